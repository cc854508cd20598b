"""Deploy verification: wrap a team's deploy command with health checks, an availability probe,
a verification run and a verified rollback; record every deploy and compute the seed's KPIs.

One module per concern: ``settings`` ([deploy] keys), ``probe`` (availability while a release
goes out), ``commands`` (the team's commands, bounded), ``verify`` (health, then pytest with its
gates), ``runner`` (the state machine), ``record`` (the JSON record and summary), ``history``
(the store and the KPIs), ``baseline`` (what the verification is compared with), ``notify``
(alert rules during the deploy and rollback notices). The CLI lives in ``cli/deploy.py`` and
``cli/history.py``. Nothing is imported here: the configuration loads ``settings`` alone.
"""
