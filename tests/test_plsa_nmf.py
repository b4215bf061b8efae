"""PLSA ≡ NMF with the generalised KL divergence (chapter 08's comparison, moved out of the
notebook): one Lee–Seung multiplicative iteration of scikit-learn's NMF is an EM sweep over
P(z|d), then over P(w|z); and ln p = Σ n ln n − N ln N − KL(X‖WH) when rows of WH sum to n(d)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.decomposition import NMF

from emlib.em import Stepper
from emlib.plsa import PLSA, PLSAModel, PLSAParams

K = 3


@pytest.fixture(scope="module")
def corpus():
    rng = np.random.default_rng(8)
    dense = rng.poisson(0.7, size=(30, 40)).astype(float)
    dense[dense.sum(axis=1) == 0, 0] = 1.0
    counts = sp.csr_matrix(dense)
    start = PLSAParams(rng.dirichlet(np.ones(K), counts.shape[0]),
                       rng.dirichlet(np.ones(counts.shape[1]), K))
    return counts, start, dense.sum(axis=1)


def nmf_kl(counts, W, H, iterations):
    nmf = NMF(K, init="custom", solver="mu", beta_loss="kullback-leibler", tol=0,
              max_iter=iterations)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "maximum number of iterations reached"
        W_new = nmf.fit_transform(counts, W=W.copy(), H=H.copy())
    return W_new, nmf.components_


def kl_to_counts(counts, W, H):
    """KL(X‖WH) = Σ [x ln(x / WH) − x + WH], WH needed only at the non-zeros of X."""
    coo = counts.tocoo()
    wh = np.einsum("nk,kn->n", W[coo.row], H[:, coo.col])
    return float(np.sum(coo.data * np.log(coo.data / wh)) - coo.data.sum()
                 + W.sum(axis=0) @ H.sum(axis=1))


def test_one_nmf_iteration_is_a_blockwise_em_sweep(corpus):
    counts, start, n_d = corpus
    W1, H1 = nmf_kl(counts, n_d[:, None] * start.p_z_given_d, start.p_w_given_z, 1)
    step_theta = Stepper(PLSAModel(K, p_w_given_z=start.p_w_given_z), counts, start)
    step_theta.iterate()                                       # EM over P(z|d) only
    theta1 = step_theta.params.p_z_given_d
    step_phi = Stepper(PLSAModel(K, p_z_given_d=theta1), counts,
                       PLSAParams(theta1, start.p_w_given_z))
    step_phi.iterate()                                         # then over P(w|z) only
    np.testing.assert_allclose(W1, n_d[:, None] * theta1, rtol=1e-8)
    np.testing.assert_allclose(H1 / H1.sum(axis=1, keepdims=True),
                               step_phi.params.p_w_given_z, rtol=1e-8, atol=1e-15)


def test_log_likelihood_is_minus_the_kl_divergence_up_to_a_constant(corpus):
    counts, start, n_d = corpus
    fit = PLSA(K, max_iter=30, tol=None, init=start).fit(counts)
    data = counts.data
    constant = float(np.sum(data * np.log(data)) - data.sum() * np.log(data.sum()))
    divergence = kl_to_counts(counts, n_d[:, None] * fit.p_z_given_d_, fit.p_w_given_z_)
    assert constant - divergence == pytest.approx(fit.log_likelihood_, rel=1e-10)


def test_nmf_and_plsa_reach_nearly_the_same_likelihood(corpus):
    counts, start, n_d = corpus
    fit = PLSA(K, max_iter=30, tol=None, init=start).fit(counts)
    W, H = nmf_kl(counts, n_d[:, None] * start.p_z_given_d, start.p_w_given_z, 30)
    theta = W * H.sum(axis=1)
    as_plsa = PLSAParams(theta / theta.sum(axis=1, keepdims=True),
                         H / H.sum(axis=1, keepdims=True))
    ll_nmf = PLSAModel(K).log_likelihood(counts, as_plsa)
    assert ll_nmf == pytest.approx(fit.log_likelihood_, rel=1e-2)
