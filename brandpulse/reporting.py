"""Scheduled feedback reports: the report job, and how the alert channels' SMTP settings send them."""

from __future__ import annotations

import logging
from typing import Any

from brandpulse.alerts.config import EmailConfig
from brandpulse.config import Config
from brandpulse.reports.feedback import SmtpSettings, build_report, email_report, report_period
from brandpulse.runtime import Embedder, Runtime
from brandpulse.storage.state import load_document, save_document

log = logging.getLogger("brandpulse.reporting")


def smtp_settings(email: EmailConfig) -> SmtpSettings:
    host, _, port = email.smarthost.rpartition(":")
    return SmtpSettings(host=host, port=int(port), sender=email.from_, username=email.username,
                        password=email.password.get_secret_value() if email.password else None,
                        security=email.security, ca_file=email.ca_file)


def brand_terms(config: Config) -> dict[str, list[str]]:
    """Each brand's own names, kept out of complaint theme names."""
    return {brand.name: [*brand.terms, *brand.aliases, *(h.lstrip("@") for h in brand.handles),
                         *(t.lstrip("#") for t in brand.hashtags)] for brand in config.brands}


def run_schedule(runtime: Runtime, index: int) -> dict[str, Any]:
    """Make and mail the reports of the last complete period of schedule `index`, once per period.

    The job runs every hour and does nothing until a new period has completed, so a service that was
    down at midnight still sends the report when it comes back, and never sends one twice.
    """
    config = runtime.config
    schedule = config.reports[index]
    start, end = report_period(schedule.every, runtime.clock())
    key = f"reports.{index}.{schedule.every}"
    with runtime.engine.connect() as connection:
        if load_document(connection, key) == start.isoformat():
            return {"reports": 0, "period": "already sent"}
    email = config.alerts.receiver(schedule.via).email
    if email is None:  # load_config refuses such a schedule
        raise ValueError(f"reports[{index}].via: {schedule.via!r} is not an email receiver")
    recipients = schedule.recipients or email.to
    scorer = runtime.scorer()
    if not isinstance(scorer, Embedder):
        raise TypeError(f"model {scorer.model_id!r} encodes no sentences, which the complaint themes need")
    terms, targets = brand_terms(config), config.cx.response_targets()
    written = []
    for name in schedule.brands or [brand.name for brand in config.brands]:
        document = build_report(runtime.engine, name, start, end, model_id=scorer.model_id,
                                competitors=config.brand(name).competitors, embed=scorer.embed,
                                exclude_terms=terms[name], pdf=schedule.pdf,
                                response_targets=targets)
        written += document.write(config.path(schedule.output))
        if document.pdf_missing:
            log.warning("%s report mailed without its PDF: %s", name, document.pdf_missing)
        email_report(document, smtp_settings(email), recipients, dashboard_url=config.dashboard.public_url)
    with runtime.engine.begin() as connection:
        save_document(connection, key, start.isoformat(), runtime.clock())
    return {"reports": len(written), "period": f"{start:%Y-%m-%d}..{end:%Y-%m-%d}", "mailed": len(recipients)}
