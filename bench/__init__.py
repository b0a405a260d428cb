"""Load benchmark of the product against a bare-Flask baseline and a FastAPI peer (`make bench`)."""
