"""Use-cases. They take `now` and an Actor, call the domain, persist, and are the only code that commits."""
