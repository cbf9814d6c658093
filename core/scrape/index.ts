/**
 * Reading `/metrics` back: a Prometheus text parser and the arithmetic that turns two
 * successive scrapes into chart points (counter rates, histogram quantiles, gauges).
 */
export { type ChartPoint, chartPoint, isOperatorRoute } from "./chart-point";
export { type GroupBy, gaugeBy, increaseBy, rateBy } from "./increase";
export { parseExposition, type Sample, type Scrape } from "./parse";
export { type Bucket, histogramQuantile } from "./quantile";
