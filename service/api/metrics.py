"""Prometheus instruments, one registry per app (several apps can live in one test process)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics

disable_created_metrics()  # the *_created series double the payload and no dashboard reads them

LATENCY_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.04, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "chattriage_http_requests_total", "HTTP requests by route, method and status.",
            ["route", "method", "status"], registry=self.registry,
        )  # fmt: skip
        self.latency = Histogram(
            "chattriage_http_request_duration_seconds", "HTTP request latency by route, method and status.",
            ["route", "method", "status"], buckets=LATENCY_BUCKETS, registry=self.registry,
        )  # fmt: skip
        self.messages = Counter(
            "chattriage_messages_classified_total", "Messages classified, by label.", ["label"],
            registry=self.registry,
        )  # fmt: skip
        self.model = Gauge(
            "chattriage_model_info", "The model being served (value 1 for the current version).", ["version"],
            registry=self.registry,
        )  # fmt: skip

    def model_changed(self, previous: str | None, current: str) -> None:
        if previous and previous != current:
            self.model.remove(previous)
        self.model.labels(version=current).set(1)
