#include "metrics/svg_plot.h"

#include <gtest/gtest.h>

#include <regex>
#include <sstream>

#include "metrics/metrics_file.h"
#include "util/error.h"

namespace seqtrain::metrics {
namespace {

// What MetricsLog writes (tests/cli/metrics_outputs_test.sh checks the real thing), and lines of
// other events and unknown fields, which a plot skips.
const char* kGoodFile =
    "{\"event\":\"step\",\"step\":1,\"epoch\":0,\"loss\":2.30330133,\"train_accuracy\":0.125,"
    "\"samples_per_sec\":609.5}\n"
    "{\"event\":\"step\",\"step\":20,\"epoch\":0,\"loss\":1.85454464,\"train_accuracy\":0.3515625,"
    "\"samples_per_sec\":2898.5}\n"
    "{\"event\":\"eval\",\"step\":30,\"test_accuracy\":0.487,\"test_loss\":1.48617283}\n"
    "\n"
    "{\"event\":\"step\",\"step\":40,\"epoch\":0,\"loss\":1.34e0,\"train_accuracy\":0.5234375,"
    "\"samples_per_sec\":3506}\n"
    "{\"event\":\"step\",\"step\":60,\"epoch\":0,\"loss\":0.883770227,\"train_accuracy\":0.6875,"
    "\"samples_per_sec\":5878}\n"
    "{\"event\":\"eval\",\"step\":60,\"test_accuracy\":0.6997,\"test_loss\":0.920316693}\n"
    "{\"event\":\"final\",\"step\":60,\"test_accuracy\":0.6997,\"peak_rss_mib\":[105.2,105.1],"
    "\"phase_ms_per_step\":{\"data\":0.33,\"nested\":[{\"a\":null},true,\"x\\\"y\\u00e9\"]}}\n";

MetricsHistory Parse(const std::string& text) {
  std::istringstream in(text);
  return ParseMetrics(in, "m.jsonl");
}

TEST(SvgPlot, NiceTicks) {
  EXPECT_EQ(NiceTicks(1, 60, 8), (std::vector<double>{0, 10, 20, 30, 40, 50, 60}));
  EXPECT_EQ(NiceTicks(0, 4690, 8), (std::vector<double>{0, 1000, 2000, 3000, 4000, 5000}));
  EXPECT_EQ(NiceTicks(0, 2.3, 6), (std::vector<double>{0, 0.5, 1, 1.5, 2, 2.5}));
  EXPECT_EQ(NiceTicks(300, 600, 4), (std::vector<double>{300, 400, 500, 600}));
  EXPECT_EQ(NiceTicks(5, 5, 4),
            (std::vector<double>{5, 5.5, 6}));  // a single point still gets an axis
}

TEST(SvgPlot, XmlEscape) { EXPECT_EQ(XmlEscape("a<b>&\"c'\x01"), "a&lt;b&gt;&amp;&quot;c&apos;"); }

// (id, number of points) of every polyline, in document order.
std::vector<std::pair<std::string, int>> Polylines(const std::string& svg) {
  std::vector<std::pair<std::string, int>> out;
  const std::regex re(
      "<polyline class=\"series\" data-series=\"([a-z-]+)\"[^>]* points=\"([^\"]*)\"/>");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), re); it != std::sregex_iterator();
       ++it) {
    const std::string points = (*it)[2];
    const std::regex point(R"(-?[0-9.]+,-?[0-9.]+)");
    out.emplace_back((*it)[1], static_cast<int>(std::distance(
                                   std::sregex_iterator(points.begin(), points.end(), point),
                                   std::sregex_iterator())));
  }
  return out;
}

int Count(const std::string& s, const std::string& what) {
  int n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

TEST(SvgPlot, OnePolylinePerSeriesWithEveryPoint) {
  const std::string svg = RenderMetricsSvg(Parse(kGoodFile), "run <1> & co");
  EXPECT_EQ(
      svg.rfind(
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"",
          0),
      0u);
  EXPECT_EQ(svg.substr(svg.size() - 7), "</svg>\n");
  const std::vector<std::pair<std::string, int>> expected = {
      {"train-loss", 4}, {"test-loss", 2}, {"train-accuracy", 4}, {"test-accuracy", 2}};
  EXPECT_EQ(Polylines(svg), expected);
  EXPECT_EQ(Count(svg, "<circle"), 4) << "a marker per evaluation, in both panels";
  EXPECT_EQ(Count(svg, "run &lt;1&gt; &amp; co"), 2) << "title element and heading, escaped";
  for (const char* text :
       {">step</text>", ">loss</text>", ">accuracy</text>", ">training loss</text>",
        ">test accuracy</text>", ">60</text>", ">0.2</text>"}) {
    EXPECT_NE(svg.find(text), std::string::npos) << text;
  }
  // Structure: every element opened is closed (a stand-in for an XML parser;
  // the script test runs xmllint on a real plot).
  EXPECT_EQ(Count(svg, "<text"), Count(svg, "</text>"));
  EXPECT_EQ(Count(svg, "<svg"), 1);
  EXPECT_EQ(Count(svg, "<"), Count(svg, ">"));
}

TEST(SvgPlot, NonFiniteValuesAreLeftOutAndEmptySeriesDropped) {
  MetricsHistory h = Parse(
      "{\"event\":\"step\",\"step\":1,\"loss\":2.3,\"train_accuracy\":0.1}\n"
      "{\"event\":\"step\",\"step\":2,\"loss\":nan,\"train_accuracy\":0.2}\n"
      "{\"event\":\"step\",\"step\":3,\"loss\":-inf,\"train_accuracy\":0.3}\n"
      "{\"event\":\"step\",\"step\":4,\"loss\":1.9,\"train_accuracy\":0.4}\n");
  const std::vector<std::pair<std::string, int>> expected = {{"train-loss", 2},
                                                             {"train-accuracy", 4}};
  EXPECT_EQ(Polylines(RenderMetricsSvg(h, "t")), expected);
  EXPECT_THROW(RenderMetricsSvg(MetricsHistory{}, "t"), Error);
}

}  // namespace
}  // namespace seqtrain::metrics
