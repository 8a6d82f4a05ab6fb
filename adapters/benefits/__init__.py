"""One strategy per benefit type (the `BenefitStrategy` port of application/benefits/ports.py).

The benefits module registers them (`BENEFIT_STRATEGIES` in entrypoints/modules/benefits.py); a
new type is a new module here and one line there.
"""
