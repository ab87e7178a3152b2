"""Numerical engines: Gaussian quadrature (mpmath and numpy), kernels, root finding."""
