"""The local web page (`cds-batch serve`): a face on the same engine the command line drives.

`server` binds and serves (waitress), `app` wires the Flask application and turns errors into
Vietnamese pages, `state` holds what the pages need of the running application (so imports point
one way: app → views_* → state), `guard` decides who may connect, `workspace` keeps the round folders on disk,
`uploads` and `forms` save what the browser sends, `jobs` runs a round's district job in the
background and `district` is that job, `results` reads a run's outputs back for the result page,
`zips` packs downloads, and `views_rounds`, `views_run`, `views_province` are the pages. Templates
and static files ship inside the package: nothing is loaded from the internet.
"""
