## R side of benchmarks/auswertung_speed.py (run by it; not meant to be run alone).
## Args: data.csv margins.csv indicators(comma) out_rake.csv n_exact out_exact.csv
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
dat <- read.csv(args[1], stringsAsFactors = FALSE)
margins <- read.csv(args[2], stringsAsFactors = FALSE)
indicators <- strsplit(args[3], ",")[[1]]
n_exact <- as.integer(args[5])
for (v in grep("^z", names(dat), value = TRUE)) dat[[v]][dat[[v]] %in% 9] <- NA
pop <- function(v) {
  m <- margins[margins$variable == v, ]
  out <- data.frame(m$level, m$population_total)
  names(out) <- c(v, "Freq")
  out
}
one <- function(des, v) {
  f <- as.formula(paste0("~", v))
  b <- svyby(f, ~district, des, svymean, na.rm = TRUE)
  m <- svymean(f, des, na.rm = TRUE)
  data.frame(indicator = v, district = c("", as.character(b$district)),
             estimate = c(coef(m)[[1]], b[[v]]), se = c(SE(m)[[1]], b$se))
}
t0 <- proc.time()[["elapsed"]]
des <- svydesign(ids = ~1, weights = ~w0, data = dat)
raked <- rake(des, list(~district, ~hhtype, ~agegroup),
              list(pop("district"), pop("hhtype"), pop("agegroup")),
              control = list(maxit = 100, epsilon = 1e-12))
res <- do.call(rbind, lapply(indicators, function(v) one(raked, v)))
t1 <- proc.time()[["elapsed"]]
res$indicator <- as.character(res$indicator)
fmt <- function(df) { for (k in c("estimate", "se")) df[[k]] <- sprintf("%.17g", df[[k]]); df }
write.csv(fmt(res), args[4], row.names = FALSE)
cat(sprintf("R_TIME %.6f\n", t1 - t0))
if (n_exact > 0) {
  ## population totals in the order of model.matrix(~district + hhtype + agegroup)
  totals <- function(v) {
    m <- pop(v)
    lv <- levels(factor(dat[[v]]))[-1]
    setNames(m$Freq[match(lv, m[[v]])], paste0(v, lv))
  }
  population <- c("(Intercept)" = sum(pop("district")$Freq),
                  totals("district"), totals("hhtype"), totals("agegroup"))
  t2 <- proc.time()[["elapsed"]]
  cal <- calibrate(des, ~district + hhtype + agegroup, population = population,
                   calfun = "raking", maxit = 100, epsilon = 1e-13)
  ex <- do.call(rbind, lapply(indicators[seq_len(n_exact)], function(v) one(cal, v)))
  t3 <- proc.time()[["elapsed"]]
  write.csv(fmt(ex), args[6], row.names = FALSE)
  cat(sprintf("R_EXACT_TIME %.6f\n", t3 - t2))
}
