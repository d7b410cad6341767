# The same estimates as `wellbeing indicators --weights raked` with R's survey package, timed:
# raking to age_band*sex and region, then for 24 category scores and 2 headline items the mean with its
# calibrated SE for the whole area and by region. Used by compare-indicators.sh.
#   Rscript Benchmarks/indicators.R responses.csv population.csv
suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], stringsAsFactors = FALSE)
pop <- read.csv(args[2], stringsAsFactors = FALSE)
reversed <- c("q08", "q30", "q32", "q40")
for (q in reversed) d[[q]] <- 6 - d[[q]]
for (k in 1:24) {
  items <- sprintf("q%02d", c(2 * k - 1, 2 * k))
  d[[sprintf("c%02d", k)]] <- rowMeans(d[, items], na.rm = TRUE)
  d[[sprintf("c%02d", k)]][is.nan(d[[sprintf("c%02d", k)]])] <- NA
}
vars <- c(sprintf("c%02d", 1:24), "life_satisfaction", "happiness")
d$agesex <- paste(d$age_band, d$sex)
pop$agesex <- paste(pop$age_band, pop$sex)
elapsed <- system.time({
  design <- svydesign(ids = ~1, weights = ~1, data = d)
  agesex <- aggregate(count ~ agesex, pop, sum); names(agesex) <- c("agesex", "Freq")
  region <- aggregate(count ~ region, pop, sum); names(region) <- c("region", "Freq")
  raked <- rake(design, list(~agesex, ~region), list(agesex, region), control = list(maxit = 100, epsilon = 1e-10))
  results <- lapply(vars, function(v) {
    f <- as.formula(paste0("~", v))
    list(svymean(f, raked, na.rm = TRUE), svyby(f, ~region, raked, svymean, na.rm = TRUE))
  })
})[["elapsed"]]
cat(sprintf("R survey: %.2f s for %d respondents, %d indicators x (whole area + %d regions)\n",
            elapsed, nrow(d), length(vars), length(unique(d$region))))
