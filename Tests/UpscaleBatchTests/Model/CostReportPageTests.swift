import Foundation
import TestSupport
import Testing

@testable import UpscaleBatch

/// The cost page's parts: escaping, the days the chart covers, the value axis.
@Suite(.bounded) struct CostReportPageTests {
    @Test func textAndAttributesAreEscapedAndVoidElementsSelfClosed() {
        let page = HTML.el(
            "p", ["title": #"a "quoted" <b> & 'x'"#], .text("<script>alert(1)</script> & \u{07}bell"),
            .el("br"))
        #expect(
            page.render()
                == #"<p title="a &quot;quoted&quot; &lt;b&gt; &amp; &#39;x&#39;">&lt;script&gt;alert(1)&lt;/script&gt; &amp; bell<br/></p>"#
        )
    }

    @Test func theChartCoversEveryDayOfABoundedSelection() {
        let costs = [
            DailyModeCost(day: "2026-11-03", mode: "professional", completed: 480, failed: 0),
            DailyModeCost(day: "2026-11-01", mode: "fast", completed: 240, failed: 240),
        ]
        let bounded = CostChart(costs: costs, since: "2026-10-30", until: "2026-11-04")
        #expect(bounded.days == ["2026-10-30", "2026-10-31", "2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04"])
        #expect(bounded.modes == ["fast", "professional"])
        let open = CostChart(costs: costs, since: nil, until: nil)
        #expect(open.days == ["2026-11-01", "2026-11-02", "2026-11-03"], "from the first day with costs to the last")
        let long = CostChart(costs: costs, since: "2020-01-01", until: "2026-12-31")
        #expect(long.days == ["2026-11-01", "2026-11-03"], "years of empty bars: only the days with costs")
    }

    @Test func theAxisEndsOnARoundNumberAboveTheHighestBar() {
        #expect(AxisScale(maximum: 0).ticks == [0, 1])
        #expect(AxisScale(maximum: 7).ticks == [0, 2, 4, 6, 8])
        #expect(AxisScale(maximum: 1440).ticks == [0, 500, 1000, 1500])
        #expect(AxisScale(maximum: 1_000_000).top == 1_000_000)
    }

    @Test func aPageWithNoJobsSaysSo() {
        let page = CostReportPage(
            report: CostReport(grouping: .mode, groups: []), daily: [], filter: ReportFilter(batch: "<b>"),
            generatedAt: "2026-12-01T00:00:00Z", version: "test"
        ).render()
        #expect(page.contains("No jobs match.") && page.contains("nothing to chart"))
        #expect(page.contains("<title>upscale-batch cost report: &lt;b&gt;</title>"))
        #expect(!page.contains("<b>"))
    }
}
