"""Upload limits, supported coordinate systems and plausibility bounds."""

from __future__ import annotations

WGS84 = "EPSG:4326"
# The systems German municipal GIS exports come in; a file may declare another
# system that pyproj understands (e.g. Gauß-Krüger zone 3), which is used as declared.
SUPPORTED_CRS: dict[str, str] = {
    "EPSG:4326": "WGS84, Längen-/Breitengrad (EPSG:4326)",
    "EPSG:25832": "ETRS89 / UTM Zone 32N (EPSG:25832)",
    "EPSG:25833": "ETRS89 / UTM Zone 33N (EPSG:25833)",
    "EPSG:31468": "DHDN / Gauß-Krüger Zone 4 (EPSG:31468)",
}
# Where districts may lie after reprojection (lon/lat): Germany with a margin.
GERMANY_BOUNDS: tuple[float, float, float, float] = (5.0, 46.5, 16.0, 55.5)
# Overlap between two districts that is refused: this share of the smaller district
# or this many square metres, whichever is reached first. Real boundary files have
# slivers of a few square metres where neighbours meet.
MAX_OVERLAP_SHARE = 0.01
MAX_OVERLAP_M2 = 10_000.0
MAX_PROBLEMS = 20
MAX_FEATURES = 5000
MAX_UNZIPPED_BYTES = 64 * 1024 * 1024
MAX_GEOJSON_BYTES = 24 * 1024 * 1024
MAX_VERTICES = 1_000_000
MAX_FEATURE_VERTICES = 250_000
MAX_JSON_DEPTH = 12
COORDINATE_DECIMALS = 7  # about 1 cm
MAX_CODE_LENGTH = 40
MAX_NAME_LENGTH = 200
MAX_LABEL_LENGTH = 100
MAX_COUNT = 2**31 - 1
_METRIC_CRS = "EPSG:3035"  # ETRS89 / LAEA Europe: equal-area, for areas in m²
