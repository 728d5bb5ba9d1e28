"""The book's chapter experiments: one module per topic, built on the core of :mod:`descent`.

Nothing in the core imports from here.  Each module serves the chapters named in its
docstring and is imported on demand (``from descent.book import race``):

=====================================  ==========================================================
module                                 topic
=====================================  ==========================================================
:mod:`descent.book.sizing`             parameter, memory and compute arithmetic (Chapter 1)
:mod:`descent.book.random_matrices`    how often a random Hessian is positive definite (Ch. 2)
:mod:`descent.book.sampling`           mini-batch gradients and their statistics (Ch. 2–3)
:mod:`descent.book.data`               the handwritten-digits data set (Ch. 3, 9)
:mod:`descent.book.nn`                 softmax regression and a small MLP with back-propagation
:mod:`descent.book.timing`             timing and power-law fits (Ch. 1, 4)
:mod:`descent.book.momentum_theory`    momentum's convergence theory on quadratics (Ch. 5)
:mod:`descent.book.noisy`              exact theory of SGD on a noisy quadratic (Ch. 6)
:mod:`descent.book.sparse`             a sparse-feature regression problem (Ch. 7)
:mod:`descent.book.race`               the optimizer race (Ch. 9–10)
:mod:`descent.book.symbolic`           SymPy derivations the chapters display and assert
:mod:`descent.book.plotting`           the book's plotting style
:mod:`descent.book.notebook`           notebook set-up and ``glue``
=====================================  ==========================================================
"""
