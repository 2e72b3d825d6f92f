"""The what-if page: a local web application for a county's reform office.

``approvalsim serve`` starts it. A user picks a baseline scenario (bundled or
uploaded), switches mechanisms, changes staff and the arrival rate, and runs;
the variant is compared with the baseline on common random numbers, and can be
downloaded as a scenario file that ``extends:`` the baseline, with its report.

One concept per module:

- :mod:`~model.web.forms`: the form, turned into a scenario file and validated
  by the scenario loader (the command line's messages for bad input).
- :mod:`~model.web.library`: the baselines on offer, bundled and uploaded.
- :mod:`~model.web.jobs`: background runs by job id, with progress and cancel.
- :mod:`~model.web.results`: what the page shows of a finished comparison.
- :mod:`~model.web.words`: the page's wording, Chinese and English.
- :mod:`~model.web.app`: the routes (FastAPI, Jinja2 pages rendered on the server).
- :mod:`~model.web.server`: starting it with uvicorn.

This layer sits between the report (which it uses for tables and downloads) and
the command line (which starts it); it imports nothing from the command line.
"""
