"""One strategy per benefit type (the `BenefitStrategy` port of application/benefits/ports.py).

The container registers them (entrypoints/container.py, `BENEFIT_STRATEGIES`); a new type is a
new module here and one line there.
"""
