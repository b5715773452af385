"""Spike detection over plain time series, alert rules and their lifecycle, Alertmanager-style
routing, and notifier channels. State comes in and goes out as data; imports nothing else of ours.

One evaluation, as the service wires it (all pure, the clock passed in)::

    from .config import AlertsConfig          # the config file's `alerts:` section
    from .engine import evaluate               # rules -> lifecycle (pending/firing/resolved)
    from .routing import Router                # Alertmanager grouping, timers, silences, inhibition
    from .outbox import deliver                # drain the outbox through the channels, with retries

    result = evaluate(config, series_by_labels, book, now, context)     # -> .state, .events, .alerts
    routing, notifications = Router(config).process(result.alerts, routing, silences, now, acks)
    # store result.state, routing and the notifications (outbox) in one transaction, then:
    deliver(outbox, alerts.channels.build_all(config.receivers), now)

Modules: ``config`` (pydantic models), ``detectors`` (the Detector protocol, seasonal and online
detectors, ``make_detector``), ``detector_base`` (what detectors share), ``burst`` (the default
detector for counts), ``envelope`` (envelope novelty), ``stats`` (tail probabilities, on SciPy),
``engine`` (rules), ``backtest`` and ``backtest_report`` (replaying history through the engine),
``routing``, ``model`` (records: Alert, AlertState/AlertBook, Notification), ``silences`` (Silence and
Acknowledgement records, and the rules for making them), ``urgent`` (single urgent mentions), ``render``
(message payloads),
``channels`` (Slack, email, webhook, PagerDuty, Teams, console, file), ``outbox`` (protocol,
in-memory outbox, sender, retry policy, receiver health), ``matchers`` and ``durations``.
"""
