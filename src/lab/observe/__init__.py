"""`make report` and the dashboards: Prometheus queries (prometheus, runs, figures), the verdict and
its hints (evidence, hints, verdict), the charts and the page (chart, summary, pages, report), and
the Grafana dashboards both draw from (dashboards, panel_text).
"""
