"""The demo data of the sandbox: a JSM site with customers, requests and logged work.

`catalog` names the fixed parts (projects, organizations, people) without Django, for the
app's tests; `build` generates the rest deterministically and writes it (`seed_demo`).
"""
