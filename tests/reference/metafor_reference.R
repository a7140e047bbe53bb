# Reference values for tests/test_synthesis.py, computed by R's metafor.
#
# Run from the repository root:   Rscript tests/reference/metafor_reference.R
# It writes tests/reference/metafor_reference.json. The Python tests read only the JSON, so
# they do not need R. Generated with metafor 3.8-1 (Debian r-cran-metafor) and jsonlite.
#
# All data below are invented (12 fictional studies of IL-6 in pg/mL around an ECT course).
suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})

# --- pre-post (SMCR): the ECT group at baseline and at the end of the course ---------------
prepost <- data.frame(
  study_id  = sprintf("Fict%02d", 1:12),
  before    = c(4.1, 5.3, 3.2, 6.8, 2.9, 4.6, 7.4, 3.8, 5.0, 2.2, 4.9, 3.5),
  after     = c(3.6, 5.9, 2.5, 5.1, 3.0, 3.9, 6.0, 3.9, 4.1, 2.4, 3.8, 3.1),
  sd_before = c(2.1, 3.0, 1.4, 4.2, 1.6, 2.5, 4.8, 1.9, 3.3, 1.1, 2.7, 1.8),
  n         = c(13, 23, 9, 30, 15, 40, 12, 86, 20, 18, 25, 11)
)

# --- two groups (SMD): ECT patients versus healthy controls at baseline -------------------
twogroup <- data.frame(
  study_id = sprintf("Fict%02d", 1:12),
  m1  = c(4.1, 5.3, 3.2, 6.8, 2.9, 4.6, 7.4, 3.8, 5.0, 2.2, 4.9, 3.5),
  sd1 = c(2.1, 3.0, 1.4, 4.2, 1.6, 2.5, 4.8, 1.9, 3.3, 1.1, 2.7, 1.8),
  n1  = c(13, 23, 9, 30, 15, 40, 12, 86, 20, 18, 25, 11),
  m2  = c(2.8, 3.9, 3.5, 3.0, 2.1, 3.3, 2.1, 2.6, 6.2, 2.6, 3.0, 2.2),
  sd2 = c(1.5, 2.2, 1.6, 2.9, 1.2, 2.0, 2.4, 1.7, 3.1, 0.9, 2.1, 1.3),
  n2  = c(10, 15, 9, 20, 12, 30, 10, 57, 18, 15, 20, 10)
)

effects <- list()
for (r in c(0.3, 0.5, 0.7)) {
  es <- escalc("SMCR", m1i = after, m2i = before, sd1i = sd_before, ni = n, ri = rep(r, 12),
               data = prepost)
  effects[[sprintf("SMCR_r%.1f", r)]] <- list(r = r, yi = as.numeric(es$yi), vi = as.numeric(es$vi))
}
es <- escalc("SMD", m1i = m1, sd1i = sd1, n1i = n1, m2i = m2, sd2i = sd2, n2i = n2, data = twogroup)
effects[["SMD"]] <- list(yi = as.numeric(es$yi), vi = as.numeric(es$vi))

# Effect sets given directly: no heterogeneity (tau2 = 0 for both estimators) and k = 2.
direct <- list(
  homogeneous = list(yi = c(0.30, 0.32, 0.28, 0.31), vi = c(0.05, 0.04, 0.06, 0.05)),
  two_studies = list(yi = c(0.10, 0.90), vi = c(0.02, 0.03))
)

fit <- function(yi, vi, method) {
  if (method == "PM") {
    res <- rma(yi, vi, method = "PM", control = list(tol = 1e-12))
  } else {
    res <- rma(yi, vi, method = method)
  }
  pr <- predict(res)
  list(k = res$k, estimate = as.numeric(res$beta), se = res$se, ci_lb = res$ci.lb,
       ci_ub = res$ci.ub, pi_lb = pr$pi.lb, pi_ub = pr$pi.ub, tau2 = res$tau2,
       I2 = res$I2, QE = res$QE)
}

analyses <- list()
for (name in names(effects)) {
  for (method in c("DL", "PM")) {
    out <- fit(effects[[name]]$yi, effects[[name]]$vi, method)
    analyses[[length(analyses) + 1]] <- c(list(effects = name, method = method), out)
  }
}
for (name in names(direct)) {
  for (method in c("DL", "PM")) {
    out <- fit(direct[[name]]$yi, direct[[name]]$vi, method)
    analyses[[length(analyses) + 1]] <- c(list(effects = name, method = method), out)
  }
}

# Leave-one-out on SMCR r = 0.5, both estimators (metafor's leave1out()).
loo <- list()
for (method in c("DL", "PM")) {
  ctl <- if (method == "PM") list(tol = 1e-12) else list()
  res <- rma(effects[["SMCR_r0.5"]]$yi, effects[["SMCR_r0.5"]]$vi, method = method, control = ctl)
  l1 <- leave1out(res)
  loo[[method]] <- list(estimate = as.numeric(l1$estimate), se = as.numeric(l1$se),
                        ci_lb = as.numeric(l1$ci.lb), ci_ub = as.numeric(l1$ci.ub),
                        tau2 = as.numeric(l1$tau2), I2 = as.numeric(l1$I2),
                        QE = as.numeric(l1$Q))
}

# --- median/IQR/range to mean/SD ------------------------------------------------------------
# metafor 3.8-1 has no conv.fivenum() (it arrived in metafor 4.0), so these are the Luo 2018
# and Wan 2014 formulas written out directly in R (qnorm for the normal quantile): a second,
# independent implementation of what src/ectqa/synthesis/conversions.py computes. (With
# metafor >= 4.0, conv.fivenum(..., method = c("luo", "wan"), test = FALSE) should agree; its
# default uses Shi 2020 for the SD from all five numbers and drops studies failing a skewness
# test.)
luo_range <- function(a, m, b, n) { w <- 4 / (4 + n^0.75); w * (a + b) / 2 + (1 - w) * m }
luo_iqr <- function(q1, m, q3, n) (0.7 + 0.39 / n) * (q1 + q3) / 2 + (0.3 - 0.39 / n) * m
luo_five <- function(a, q1, m, q3, b, n) {
  w1 <- 2.2 / (2.2 + n^0.75); w2 <- 0.7 - 0.72 / n^0.55
  w1 * (a + b) / 2 + w2 * (q1 + q3) / 2 + (1 - w1 - w2) * m
}
xi  <- function(n) 2 * qnorm((n - 0.375) / (n + 0.25))
eta <- function(n) 2 * qnorm((0.75 * n - 0.125) / (n + 0.25))
wan_range <- function(a, b, n) (b - a) / xi(n)
wan_iqr <- function(q1, q3, n) (q3 - q1) / eta(n)
wan_five <- function(a, q1, q3, b, n) (b - a) / (2 * xi(n)) + (q3 - q1) / (2 * eta(n))

five <- data.frame(
  min    = c(0.4, 1.1, 0.2, 2.0, 0.05),
  q1     = c(1.9, 2.6, 0.9, 5.5, 0.80),
  median = c(3.1, 3.4, 1.6, 8.0, 1.30),
  q3     = c(4.8, 4.5, 2.9, 11.0, 2.40),
  max    = c(12.5, 7.9, 9.8, 25.0, 6.10),
  n      = c(13, 30, 9, 86, 100)
)
conversions <- with(five, list(
  min = min, q1 = q1, median = median, q3 = q3, max = max, n = n,
  mean_range = luo_range(min, median, max, n),
  mean_iqr = luo_iqr(q1, median, q3, n),
  mean_five = luo_five(min, q1, median, q3, max, n),
  sd_range = wan_range(min, max, n),
  sd_iqr = wan_iqr(q1, q3, n),
  sd_five = wan_five(min, q1, q3, max, n)
))

out <- list(
  generated_by = "tests/reference/metafor_reference.R",
  metafor_version = as.character(packageVersion("metafor")),
  r_version = R.version.string,
  note = paste("Invented data. PM fitted with control = list(tol = 1e-12).",
               "Conversions: Luo 2018 / Wan 2014 written out in R (metafor 3.8-1 has no conv.fivenum)."),
  prepost = as.list(prepost),
  twogroup = as.list(twogroup),
  direct = direct,
  effects = effects,
  analyses = analyses,
  leave1out_SMCR_r0.5 = loo,
  conversions = conversions
)
# digits = NA: the maximum precision jsonlite writes (15 significant digits).
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE),
           "tests/reference/metafor_reference.json")
cat("wrote tests/reference/metafor_reference.json\n")
