"""Grant indicators: facts loaded from the registry, pure monthly computation, reports.

``model`` holds plain facts (no database, no Prefect); ``compute`` turns facts
and ``config.indicators`` definitions into monthly results; ``facts`` loads
facts from the registry; ``report`` renders the results for people.
"""
