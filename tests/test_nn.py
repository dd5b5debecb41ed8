"""The backprop modules against central differences, the network's exact Hessian, dropout's statistics."""

import numpy as np
import pytest
from scipy import stats

from conftest import central_grad, central_jacobian
from landscape import build, theory
from landscape.nn import MLP, Activation, BatchNorm, Dropout, Linear, SoftmaxCrossEntropy, one_hot
from landscape.nn.datasets import blobs, moons, xor

S = 7  # samples per batch in the module checks


def rel_err(a, b) -> float:
    """max |a - b| / max |b|: the error relative to the size of the reference."""
    return float(np.abs(np.asarray(a) - b).max() / np.abs(b).max())


def check_module(module, p, X, rng, mask=None, h=1e-6):
    """backward and both tangent passes of one module against central differences of its forward.

    L = sum(R * Y) for a fixed random R makes dL/dY = R, so backward(R) must be the gradient of L
    in p and X; the tangent of Y along (dp, dX) and the tangent of backward along (dp, dX, dG)
    must be the directional derivatives."""
    def fwd(p_, X_):
        return module.forward(p_, X_, mask)[0] if isinstance(module, Dropout) else module.forward(p_, X_)[0]

    def bwd(p_, X_, G_):
        c = module.forward(p_, X_, mask)[1] if isinstance(module, Dropout) else module.forward(p_, X_)[1]
        return module.backward(p_, c, G_)

    Y = fwd(p, X)
    R = rng.standard_normal(Y.shape)
    gp, gX = bwd(p, X, R)
    flat = X.reshape(X.shape[:-2] + (-1,))  # (..., S d): the samples of one batch together
    fdX = central_grad(lambda Xf: np.sum(R * fwd(p, Xf.reshape(X.shape)), axis=(-2, -1)), flat, h)
    assert rel_err(gX, fdX.reshape(X.shape)) < 1e-6
    if p.shape[-1]:
        fdp = central_grad(lambda pf: np.sum(R * fwd(pf, X), axis=(-2, -1)), p, h)
        assert rel_err(gp, fdp) < 1e-6
    # tangent passes: directional derivatives along (dp, dX, dG), primal with a singleton direction axis
    dp, dX, dG = rng.standard_normal(p.shape), rng.standard_normal(X.shape), rng.standard_normal(Y.shape)
    c = module.forward(p, X, mask)[1] if isinstance(module, Dropout) else module.forward(p, X)[1]
    dY, dc = module.tangent(p, dp, c, dX)
    fd = (fwd(p + h * dp, X + h * dX) - fwd(p - h * dp, X - h * dX)) / (2 * h)
    assert rel_err(dY, fd) < 1e-6
    dgp, dgX = module.backward_tangent(p, dp, c, dc, R, dG)
    plus, minus = bwd(p + h * dp, X + h * dX, R + h * dG), bwd(p - h * dp, X - h * dX, R - h * dG)
    assert rel_err(dgX, (plus[1] - minus[1]) / (2 * h)) < 1e-6
    if p.shape[-1]:
        assert rel_err(dgp, (plus[0] - minus[0]) / (2 * h)) < 1e-6


def test_linear_backward(rng):
    m = Linear(4, 3)
    check_module(m, rng.standard_normal(m.size), rng.standard_normal((S, 4)), rng)
    # the formulas themselves: dL/dW = G^T X, dL/db = 1^T G, dL/dX = G W
    p, X, G = rng.standard_normal(m.size), rng.standard_normal((S, 4)), rng.standard_normal((S, 3))
    gp, gX = m.backward(p, (X,), G)
    W = p[:12].reshape(3, 4)
    np.testing.assert_allclose(gp[:12].reshape(3, 4), G.T @ X, rtol=1e-14)
    np.testing.assert_allclose(gp[12:], G.sum(0), rtol=1e-14)
    np.testing.assert_allclose(gX, G @ W, rtol=1e-14)


@pytest.mark.parametrize("kind", ["relu", "elu", "tanh", "sigmoid"])
def test_activation_backward(kind, rng):
    # inputs kept away from ReLU's and ELU's kinks, farther than the difference step
    X = rng.standard_normal((S, 5))
    X = np.where(np.abs(X) < 1e-3, 0.5, X)
    check_module(Activation(kind), np.zeros(0), X, rng)


def test_batchnorm_backward_through_mean_and_variance(rng):
    m = BatchNorm(3)
    p = np.concatenate([rng.uniform(0.5, 2, 3), rng.standard_normal(3)])
    X = 2.0 + 3.0 * rng.standard_normal((S, 3))
    check_module(m, p, X, rng)
    # train mode normalises each feature over the batch: mean beta, standard deviation ~|gamma|
    Y = m.forward(p, X)[0]
    np.testing.assert_allclose(Y.mean(0), p[3:], atol=1e-12)
    np.testing.assert_allclose(Y.std(0), np.abs(p[:3]) * X.std(0) / np.sqrt(X.var(0) + m.eps), rtol=1e-12)


def test_batchnorm_batched_over_parameter_vectors(rng):
    m = BatchNorm(4)
    p = rng.standard_normal((3, 8))
    X = rng.standard_normal((3, S, 4))
    check_module(m, p, X, rng)


def test_batchnorm_running_statistics_and_inference(rng):
    m = BatchNorm(2, momentum=0.1)
    p = np.array([1.5, -0.5, 0.2, 0.3])
    X = np.array([1.0, -2.0]) + np.array([2.0, 0.5]) * rng.standard_normal((50, 2))
    state = None
    for _ in range(400):  # the same batch: the running mean and (unbiased) variance converge to its own
        state = m.running(state, m.forward(p, X)[1])
    np.testing.assert_allclose(state[0], X.mean(0), rtol=1e-12)
    np.testing.assert_allclose(state[1], X.var(0, ddof=1), rtol=1e-12)
    # inference normalises each sample on its own: one sample gives the same output alone or in a batch
    Y = m.infer(p, X, state)
    np.testing.assert_allclose(m.infer(p, X[:1], state), Y[:1], rtol=1e-14)
    np.testing.assert_allclose(Y, p[:2] * (X - X.mean(0)) / np.sqrt(X.var(0, ddof=1) + m.eps) + p[2:], rtol=1e-12)


def test_dropout_backward_and_inference(rng):
    m = Dropout(0.3)
    X = rng.standard_normal((S, 6))
    mask = m.sample(X.shape, rng)
    check_module(m, np.zeros(0), X, rng, mask=mask)
    assert set(np.unique(mask)) <= {0.0, 1 / 0.7}
    np.testing.assert_array_equal(m.forward(np.zeros(0), X)[0], X)  # off at inference


def test_softmax_cross_entropy_gradient_is_y_minus_t_over_s(rng):
    ce = SoftmaxCrossEntropy()
    Z = 3.0 * rng.standard_normal((S, 4))
    T = one_hot(rng.integers(0, 4, S), 4)
    L, cache = ce.loss(Z, T)
    P = np.exp(Z) / np.exp(Z).sum(-1, keepdims=True)
    assert L == pytest.approx(-np.sum(T * np.log(P)) / S, rel=1e-14)
    g = ce.backward(cache)
    np.testing.assert_allclose(g, (P - T) / S, rtol=1e-13)
    fd = central_grad(lambda z: ce.loss(z.reshape(Z.shape), T)[0], Z.reshape(-1), 1e-6).reshape(Z.shape)
    assert rel_err(g, fd) < 1e-6
    dZ = rng.standard_normal(Z.shape)
    h = 1e-6
    fd2 = (ce.backward(ce.loss(Z + h * dZ, T)[1]) - ce.backward(ce.loss(Z - h * dZ, T)[1])) / (2 * h)
    assert rel_err(ce.backward_tangent(cache, dZ), fd2) < 1e-6


NETS = [("tanh", False, 0.0), ("relu", False, 0.3), ("elu", True, 0.0), ("sigmoid", True, 0.2), ("relu", True, 0.0)]


@pytest.mark.parametrize("activation,batchnorm,p", NETS)
def test_network_gradient_and_exact_hessian(activation, batchnorm, p, rng):
    """Backprop's gradient and the forward-over-reverse Hessian against central differences,
    with fixed dropout masks; the R-op Hessian is symmetric to rounding before symmetrising."""
    net = MLP((2, 5, 4, 3), activation, batchnorm, dropout=p)
    X, labels = blobs(12, 2, 3, 0.5, seed=1)
    T = one_hot(labels, 3)
    theta = rng.standard_normal((3, net.size))
    masks = net.sample_masks((3,), 12, rng)
    L, g = net.loss_and_grad(theta, X, T, masks)
    assert rel_err(g, central_grad(lambda t: net.loss(t, X, T, masks), theta, 1e-6)) < 1e-6
    _, _, HV = net.hvp(theta, np.eye(net.size), X, T, masks)
    assert np.abs(HV - np.swapaxes(HV, -1, -2)).max() < 1e-12 * np.abs(HV).max()
    fd = central_jacobian(lambda t: net.loss_and_grad(t, X, T, masks)[1], theta, 1e-5)
    assert rel_err(HV, fd) < 1e-6
    # a batch of k directions gives H V
    V = rng.standard_normal((3, 2, net.size))
    np.testing.assert_allclose(net.hvp(theta, V, X, T, masks)[2], np.einsum("bij,bkj->bki", HV, V),
                               rtol=1e-10, atol=1e-12 * np.abs(HV).max())



@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "elu", "relu"])
def test_one_hidden_layer_hessian_closed_form(activation, rng):
    """The closed form for one hidden layer (``_shallow_hessian``, what ``hessian`` uses there)
    against the R-operator's columns and central differences of backprop's gradient, batched
    over parameter vectors; loss and gradient equal backprop's."""
    net = MLP((3, 5, 4), activation)
    X, labels = blobs(9, 3, 4, 0.5, seed=2)
    T = one_hot(labels, 4)
    theta = rng.standard_normal((2, 3, net.size))
    L, g, H = net.hessian(theta, X, T)
    L0, g0 = net.loss_and_grad(theta, X, T)
    np.testing.assert_allclose(L, L0, rtol=1e-13)
    np.testing.assert_allclose(g, g0, rtol=1e-12, atol=1e-14)
    _, _, HV = net.hvp(theta, np.eye(net.size), X, T)
    assert np.abs(H - HV).max() < 1e-12 * np.abs(HV).max()
    assert np.array_equal(H, np.swapaxes(H, -1, -2))
    fd = central_jacobian(lambda t: net.loss_and_grad(t, X, T)[1], theta[0], 1e-5)
    assert rel_err(H[0], fd) < 1e-6

def test_parameter_count_of_a_20_to_40_layer_with_batchnorm():
    # W 40x20 = 800, b 40, gamma 40, beta 40
    assert MLP((20, 40), batchnorm=True).size == 920
    assert build("mlp", {"layers": [20, 40], "batchnorm": True}).dim == 920
    assert MLP((20, 40)).size == 840
    assert MLP((2, 3, 2)).size == 2 * 3 + 3 + 3 * 2 + 2


def test_inference_turns_dropout_off_and_uses_running_statistics(rng):
    net = MLP((2, 6, 2), "relu", batchnorm=True, dropout=0.5)
    X, labels = moons(20, 0.1, 0)
    theta = rng.standard_normal(net.size)
    state = net.running_stats(theta, X)
    for _ in range(300):
        state = net.running_stats(theta, X, state)
    # with converged running statistics (unbiased variance), inference is train mode up to S/(S-1)
    eval_net = MLP((2, 6, 2), "relu", batchnorm=True, eps=1e-30)
    st = None
    for _ in range(400):
        st = eval_net.running_stats(theta, X, st)
    st = [(m, v * (len(X) - 1) / len(X)) for m, v in st]
    np.testing.assert_allclose(eval_net.predict(theta, X, st), eval_net.forward(theta, X)[0], rtol=1e-9, atol=1e-12)
    assert net.predict(theta, X, state).shape == (20, 2)


def test_dropout_on_relu_mean_and_variance_match_the_formulas():
    """h~ = ReLU(z) m/(1-p): E = 1/sqrt(2 pi), Var = 1/(2(1-p)) - 1/(2 pi), each within 4 standard
    errors (the variance's from the fourth central moment)."""
    rng = np.random.default_rng(7)
    N = 400_000
    for p in (0.1, 0.5, 0.8):
        d = Dropout(p)
        h = np.maximum(rng.standard_normal(N), 0.0)
        ht = d.forward(np.zeros(0), h[:, None], d.sample((N, 1), rng))[0][:, 0]
        m = theory.dropout_relu_moments(p)
        assert m["mean"] == pytest.approx(1 / np.sqrt(2 * np.pi), rel=1e-15)
        assert m["variance"] == pytest.approx(1 / (2 * (1 - p)) - 1 / (2 * np.pi), rel=1e-15)
        assert abs(ht.mean() - m["mean"]) < 4 * np.sqrt(m["variance"] / N)
        assert abs(ht.var(ddof=1) - m["variance"]) < 4 * np.sqrt((m["mu4"] - m["variance"] ** 2) / N)


def test_kept_units_are_binomial_and_tend_to_poisson():
    rng = np.random.default_rng(3)
    M, p, N = 50, 0.9, 20_000
    kept = (Dropout(p).sample((N, M), rng) > 0).sum(-1)
    # chi-square goodness of fit against Binomial(M, 1 - p), bins with expected count >= 5
    k = np.arange(M + 1)
    expected = N * stats.binom.pmf(k, M, 1 - p)
    observed = np.bincount(kept, minlength=M + 1)
    ok = expected >= 5
    obs = np.r_[observed[ok], observed[~ok].sum()]
    exp = np.r_[expected[ok], expected[~ok].sum()]
    assert stats.chisquare(obs, exp).pvalue > 1e-3
    # Binomial(M, 5/M) -> Poisson(5): the distance falls like 1/M and stays under Barbour-Hall's bound
    tv = [theory.binomial_poisson_distance(m, 5.0) for m in (10, 100, 1000, 10000)]
    assert all(d <= bound for d, bound in tv)
    assert tv[-1][0] < tv[0][0] / 500
    assert tv[-1][0] * 10000 == pytest.approx(tv[-2][0] * 1000, rel=0.02)


def test_datasets_are_deterministic_and_shaped():
    X, y = xor()
    np.testing.assert_array_equal(X, [[-1, -1], [1, 1], [-1, 1], [1, -1]])
    np.testing.assert_array_equal(y, [0, 0, 1, 1])
    assert np.all((X[:, 0] * X[:, 1] < 0) == (y == 1))
    Xm, ym = moons(64, 0.1, 3)
    np.testing.assert_array_equal(Xm, moons(64, 0.1, 3)[0])
    np.testing.assert_allclose(Xm.mean(0), 0, atol=1e-12)
    np.testing.assert_allclose(Xm.std(0), 1, rtol=1e-12)
    assert np.bincount(ym).tolist() == [32, 32]
    Xb, yb = blobs(60, 5, 4, 0.5, 0)
    assert Xb.shape == (60, 5) and np.bincount(yb).tolist() == [15, 15, 15, 15]
