"""District geodata: read, reproject and check layer files and their tables.

Plain data in, plain data out: bytes from an upload go in, frozen dataclasses and
GeoJSON dictionaries (WGS84, lon/lat, RFC 7946 ring orientation) come out. No Flask,
no database; ``services.py`` stores the results.

Accepted layer files are a GeoJSON FeatureCollection or a zipped Shapefile
(``.shp`` + ``.dbf``, optionally ``.shx``, ``.prj``, ``.cpg``). The coordinate
reference system comes from the admin's statement, else from the file (``.prj``,
the GeoJSON ``crs`` member), else, for GeoJSON only, WGS84 as RFC 7946 prescribes.
Reprojection uses pyproj with ``always_xy=True`` (x = easting/longitude).

A file is refused as a whole with every problem named (up to ``MAX_PROBLEMS``):
unreadable files, features without polygon geometry, invalid polygons (they are
never repaired silently), coordinates that do not fit the CRS (swapped lat/lon,
metres in a WGS84 file, a wrong zone), large overlaps between districts, missing
or duplicate ids.

The package is split by what it deals with: ``limits``, ``problems``, ``layer``,
``reading``, ``projection``, ``geometry``, ``districts``, ``tables``; this module
re-exports their public names.
"""

from __future__ import annotations

from .districts import DistrictData, Outline, build_districts, outline
from .geometry import feature_label
from .layer import (
    Feature,
    LayerFile,
    PropertyGuess,
    PropertySummary,
    default_layer_name,
    guess_properties,
    summarise_properties,
)
from .limits import (
    COORDINATE_DECIMALS,
    GERMANY_BOUNDS,
    MAX_CODE_LENGTH,
    MAX_COUNT,
    MAX_FEATURE_VERTICES,
    MAX_FEATURES,
    MAX_GEOJSON_BYTES,
    MAX_JSON_DEPTH,
    MAX_LABEL_LENGTH,
    MAX_NAME_LENGTH,
    MAX_OVERLAP_M2,
    MAX_OVERLAP_SHARE,
    MAX_PROBLEMS,
    MAX_UNZIPPED_BYTES,
    MAX_VERTICES,
    SUPPORTED_CRS,
    WGS84,
)
from .problems import GeodataError, Problem
from .reading import LayerLimits, read_layer_file
from .tables import (
    DISTRICT_COLUMNS,
    POPULATION_COLUMNS,
    PopulationRow,
    StreetTable,
    parse_population_csv,
    parse_street_csv,
)

__all__ = [
    "COORDINATE_DECIMALS",
    "DISTRICT_COLUMNS",
    "DistrictData",
    "Feature",
    "GERMANY_BOUNDS",
    "GeodataError",
    "LayerFile",
    "LayerLimits",
    "MAX_CODE_LENGTH",
    "MAX_COUNT",
    "MAX_FEATURES",
    "MAX_FEATURE_VERTICES",
    "MAX_GEOJSON_BYTES",
    "MAX_JSON_DEPTH",
    "MAX_LABEL_LENGTH",
    "MAX_NAME_LENGTH",
    "MAX_OVERLAP_M2",
    "MAX_OVERLAP_SHARE",
    "MAX_PROBLEMS",
    "MAX_UNZIPPED_BYTES",
    "MAX_VERTICES",
    "Outline",
    "POPULATION_COLUMNS",
    "PopulationRow",
    "Problem",
    "PropertyGuess",
    "PropertySummary",
    "SUPPORTED_CRS",
    "StreetTable",
    "WGS84",
    "build_districts",
    "default_layer_name",
    "feature_label",
    "guess_properties",
    "outline",
    "parse_population_csv",
    "parse_street_csv",
    "read_layer_file",
    "summarise_properties",
]
