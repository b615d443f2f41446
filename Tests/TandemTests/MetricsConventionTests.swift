import Testing
@testable import Tandem

@Suite("Metrics conventions")
struct MetricsConventionTests {
    @Test("A histogram renders cumulative buckets ending in +Inf, then _sum and _count")
    func histogramRendering() {
        let registry = MetricsRegistry()
        let histogram = registry.histogram("tandem_save_duration_seconds", help: "Save time.", buckets: [1, 0.1, 5])
        for value in [0.0625, 0.5, 0.5, 7] { histogram.observe(value) }
        #expect(registry.render() == """
            # HELP tandem_save_duration_seconds Save time.
            # TYPE tandem_save_duration_seconds histogram
            tandem_save_duration_seconds_bucket{le="0.1"} 1
            tandem_save_duration_seconds_bucket{le="1"} 3
            tandem_save_duration_seconds_bucket{le="5"} 3
            tandem_save_duration_seconds_bucket{le="+Inf"} 4
            tandem_save_duration_seconds_sum 8.0625
            tandem_save_duration_seconds_count 4

            """)
    }

    @Test("Labels come before le; a value on a bound falls in that bucket; durations are seconds")
    func histogramLabels() {
        let registry = MetricsRegistry()
        let histogram = registry.histogram(
            "tandem_relay_duration_seconds", help: "Relay.", buckets: [0.001, 0.01], labels: ["protocol": "yjs"])
        histogram.observe(0.001)
        histogram.observe(Duration.milliseconds(5))
        let text = registry.render()
        #expect(text.contains(#"tandem_relay_duration_seconds_bucket{protocol="yjs",le="0.001"} 1"#))
        #expect(text.contains(#"tandem_relay_duration_seconds_bucket{protocol="yjs",le="0.01"} 2"#))
        #expect(text.contains(#"tandem_relay_duration_seconds_bucket{protocol="yjs",le="+Inf"} 2"#))
        #expect(text.contains(#"tandem_relay_duration_seconds_count{protocol="yjs"} 2"#))
        #expect(registry.histogram("tandem_relay_duration_seconds", help: "", labels: ["protocol": "yjs"]) === histogram)
    }

    @Test("The default latency buckets run from 1 ms to 10 s")
    func defaultBuckets() {
        let registry = MetricsRegistry()
        _ = registry.histogram("tandem_x_seconds", help: "X.")
        let text = registry.render()
        #expect(text.contains(#"tandem_x_seconds_bucket{le="0.001"} 0"#))
        #expect(text.contains(#"tandem_x_seconds_bucket{le="10"} 0"#))
        #expect(text.contains(#"tandem_x_seconds_bucket{le="+Inf"} 0"#))
        #expect(text.contains("tandem_x_seconds_sum 0\n"))
    }

    @Test("Counters never go down")
    func counterMonotonic() {
        let counter = MetricsRegistry().counter("tandem_y_total", help: "Y.")
        counter.increment(by: 3)
        counter.increment(by: -2)
        #expect(counter.value == 3)
    }

    @Test("Naming problems: counters without _total, gauges with it, bad names, one name with two types")
    func namingProblems() {
        let registry = MetricsRegistry()
        _ = registry.counter("tandem_document_saves", help: "")
        _ = registry.gauge("tandem_open_total", help: "")
        _ = registry.gauge("Tandem-Bad", help: "")
        _ = registry.counter("tandem_ok_total", help: "")
        _ = registry.gauge("tandem_ok_total", help: "")
        let problems = registry.namingProblems()
        #expect(problems.contains { $0.hasPrefix("tandem_document_saves: a counter must end in _total") })
        #expect(problems.contains { $0.hasPrefix("tandem_open_total: only counters") })
        #expect(problems.contains { $0.hasPrefix("Tandem-Bad: no tandem_ prefix") })
        #expect(problems.contains { $0.hasPrefix("Tandem-Bad: not snake case") })
        #expect(problems.contains { $0.hasPrefix("tandem_ok_total: registered as counter and as gauge") })
        #expect(problems.count == 5)
        #expect(registry.render().contains("# TYPE tandem_ok_total counter"))
    }

    @Test("The transport's metrics follow the conventions: counters _total, a request-latency histogram")
    func transportMetrics() {
        let registry = MetricsRegistry()
        let metrics = ServerMetrics(registry: registry)
        #expect(registry.namingProblems() == [])
        #expect(registry.names(of: .histogram) == ["tandem_http_request_duration_seconds"])
        #expect(registry.names(of: .gauge) == ["tandem_connections_open", "tandem_websockets_open"])
        #expect(registry.names(of: .counter).allSatisfy { $0.hasSuffix("_total") })
        metrics.response(status: 404)
        metrics.response(status: 200)
        metrics.response(status: 999)
        let text = registry.render()
        #expect(text.contains("# TYPE tandem_http_responses_total counter"))
        #expect(text.contains(#"tandem_http_responses_total{class="4xx"} 1"#))
        #expect(text.contains(#"tandem_http_responses_total{class="2xx"} 1"#))
    }

    @Test("Sample values: integers plain, fractions exact, infinities as Prometheus spells them")
    func numberFormat() {
        #expect(MetricsRegistry.format(1) == "1")
        #expect(MetricsRegistry.format(0.005) == "0.005")
        #expect(MetricsRegistry.format(.infinity) == "+Inf")
        #expect(MetricsRegistry.format(-.infinity) == "-Inf")
    }
}
