"""Inventory of the seed documents' checkable statements, each with the claims that check it.

Read by :mod:`asymptote.claims.coverage` (``asymptote verify`` prints the counts; the claims
report in ``docs/claims.md`` carries the table). Statements are paraphrased; statements
about trained networks (test accuracy on MNIST, epochs to 20 %) are not listed: nothing at
initialization can check them. Private module (leading underscore): the claims registry
skips it.
"""

from __future__ import annotations

from asymptote.claims.coverage import SeedStatement as S

YS = "YS17"
HR = "HR18"
P = "P19"

SEED_STATEMENTS: tuple[S, ...] = (
    # ---------------- Yang & Schoenholz 2017 ----------------
    S("YS17.01", YS, "Sec. 2 (background)",
      "In a feedforward network the cosine distance of two inputs converges exponentially fast "
      "in depth to a fixed point.",
      ("SGGS17/depth-scale/xi-c-ordered/erf", "SGGS17/depth-scale/xi-c-chaotic/erf")),
    S("YS17.02", YS, "Sec. 2 (background)",
      "In a feedforward network the mean squared gradient vanishes or explodes exponentially, "
      "one factor chi_1 per layer.",
      ("SGGS17/backprop/gradient-ratio-per-layer-monte-carlo",)),
    S("YS17.03", YS, "Sec. 2 (background)",
      "In a feedforward network the length converges exponentially fast to its fixed point.",
      ("SGGS17/depth-scale/xi-q/tanh", "PLRSG16/length-map/independent-of-input")),
    S("YS17.04", YS, "Table 1, Lemma B.1.1",
      "For an antisymmetric activation the reduced resnet's lengths obey "
      "p^l = p^{l-1} + V phi(q^l), q^l = sigma_w^2 p^{l-1} + sigma_b^2.",
      ("YS17/rrn/length-recurrence-odd", "YS17/rrn/odd-recurrence-tracks-tanh-networks",
       "YS17/rrn/relu-needs-mean-term"),
      "in its scope (odd phi) on tanh networks; outside it (ReLU) the mean term is needed"),
    S("YS17.05", YS, "Table 1, Thm. B.1.1 (lambda-gamma recurrence)",
      "For an antisymmetric activation the reduced resnet's dot products obey "
      "gamma^l = gamma^{l-1} + W phi(q^l, lambda^l).",
      ("YS17/rrn/correlation-recurrence-odd",)),
    S("YS17.06", YS, "Table 1 (FRN)",
      "In a full resnet p^l = p^{l-1} + sigma_v^2 V phi(q^l) + sigma_a^2 for any activation.",
      ("YS17/frn/length-recurrence",)),
    S("YS17.07", YS, "Table 1 (FRN)",
      "In a full resnet gamma^l = gamma^{l-1} + sigma_v^2 W phi(q^l, lambda^l) + sigma_a^2.",
      ("YS17/frn/correlation-recurrence",)),
    S("YS17.08", YS, "Sec. 3 (gradient quantities), Table 1",
      "Under gradient independence chi^{l-1} = (1 + sigma_v^2 sigma_w^2 V phi'(q^l)) chi^l in a "
      "full resnet.",
      ("YS17/frn/gradient-recurrence",)),
    S("YS17.09", YS, "Sec. 3, Table 1",
      "Under gradient independence chi^{l-1} = (1 + sigma_w^2 V phi'(q^l)) chi^l in a reduced "
      "resnet.",
      ("YS17/rrn/gradient-recurrence",)),
    S("YS17.10", YS, "Sec. 5, Fig. 1, Fig. A.1",
      "The mean-field recurrences track finite random resnets (width 1000) closely.",
      ("YS17/frn/recurrence-tracks-networks", "YS17/rrn/odd-recurrence-tracks-tanh-networks")),
    S("YS17.11", YS, "Sec. 4",
      "Residual networks cannot have vanishing gradients: chi^l does not decrease going "
      "backwards.",
      ("YS17/frn/gradient-recurrence", "YS17/rrn/gradient-recurrence", "YS17/tanh-like-rrn/gradient-fit"),
      "the checked factors 1 + sigma^2 E[phi'^2] are >= 1 (a second moment), and the fitted chi^0/chi^l grows"),
    S("YS17.12", YS, "Thm. B.1.1 (pq linear), sigma_w > 0",
      "For a tanh-like reduced resnet with sigma_w > 0, p^l and q^l grow linearly in l.",
      ("YS17/tanh-rrn/p-linear", "YS17/tanh/p-correction-constant", "YS17/tanh-like-rrn/p-sqrt-correction-fit", "YS17/tanh-like-rrn/p-log-correction-fit"),
      "long-depth fits on erf (same sign-kernel limit; tanh's compiled path covers q <= 64)"),
    S("YS17.13", YS, "Thm. B.1.1 (pq linear), sigma_w = 0",
      "For a tanh-like reduced resnet with sigma_w = 0, q^l = sigma_b^2 stays constant and "
      "p^l grows linearly.",
      ("YS17/tanh-rrn/sigma-w-zero-q-constant", "YS17/tanh-rrn/sigma-w-zero-p-linear", "YS17/tanh-rrn/sigma-w-zero-cosine-exact", "YS17/tanh-rrn/sigma-w-zero-law")),
    S("YS17.14", YS, "Sec. 5.1 (forward dynamics)",
      "For a tanh full resnet, p^l and q^l grow linearly in l.",
      ("YS17/tanh-frn/p-linear",)),
    S("YS17.15", YS, "Thm. B.1.1 (e dynamics), Sec. 5.1",
      "For a tanh-like reduced resnet the cosine distance tends to 0 like l^{-(1 - 2/pi)}.",
      ("YS17/tanh-rrn/cosine-rate", "YS17/tanh-like-rrn/cosine-rate-fit")),
    S("YS17.16", YS, "Sec. 5.1, eq. for e*",
      "For a tanh full resnet the cosine distance converges to a unique stable fixed point e* "
      "solving an explicit equation, at the polynomial rate l^{-delta*}.",
      ("YS17/tanh-frn/cosine-fixed-point", "YS17/tanh-frn/cosine-rate", "YS17/tanh-like-frn/cosine-fixed-point-iteration")),
    S("YS17.17", YS, "Sec. 5.1, Fig. 2(a)",
      "e* and delta* depend on the variances only through sigma_a/sigma_v, increase with it, "
      "and the reduced resnet is the special case e* = 0, delta* = 1 - 2/pi.",
      ("YS17/tanh-frn/rho-zero-rate", "YS17/tanh-frn/rho-zero-fixed-point", "YS17/tanh-frn/fixed-point-large-ratio", "YS17/tanh-frn/rate-large-ratio", "YS17/tanh-frn/ratio-monotone", "YS17/tanh-frn/cosine-fixed-point")),
    S("YS17.18", YS, "Sec. 5.1 (backward dynamics)",
      "For a tanh reduced resnet log(chi^0/chi^l) grows like C sqrt(l), "
      "C = (4/3) sqrt(2/pi) sigma_w.",
      ("YS17/tanh-rrn/gradient-coefficient", "YS17/tanh-like-rrn/gradient-fit")),
    S("YS17.19", YS, "Sec. 5.1 (backward dynamics)",
      "For a tanh full resnet C = (4/3) sqrt(2/pi) sigma_v^2 sigma_w / sqrt(sigma_v^2 + "
      "sigma_a^2).",
      ("YS17/tanh-frn/gradient-coefficient",)),
    S("YS17.20", YS, "Sec. 5.2",
      "For alpha-ReLU, V phi(q) = c_alpha q^alpha with an explicit Gamma-function constant.",
      ("YS17/alpha-relu/variance-transform",
       "GAUSS/closed-form/alpha_relu(alpha=0.7)/V", "GAUSS/closed-form/alpha_relu(alpha=2)/V")),
    S("YS17.21", YS, "Sec. 5.2, App. C.7.1",
      "For alpha-ReLU, W phi = c_alpha q^alpha J_alpha(c) with the Cho-Saul kernel J_alpha.",
      ("YS17/closed-form/alpha_relu(alpha=0.7)/W", "YS17/closed-form/alpha_relu(alpha=2)/W")),
    S("YS17.22", YS, "Sec. 5.2, Thm. B.2.1",
      "For alpha-ReLU full resnets with alpha < 1, p^l and q^l grow like l^{1/(1 - alpha)}.",
      ("YS17/alpha-relu-frn/p-exponent", "YS17/alpha-relu-frn/p-exponent-fit")),
    S("YS17.23", YS, "Sec. 5.2, Thm. B.2.1",
      "For ReLU full resnets p^l grows exponentially with base 1 + sigma_v^2 sigma_w^2 / 2.",
      ("YS17/relu-frn/p-base",)),
    S("YS17.24", YS, "Sec. 5.2; App. A, Fig. A.1",
      "ReLU resnets overflow to inf after around 100 layers (NaN near layer 90 in App. A).",
      ("YS17/relu-frn/float32-overflow-depth",),
      "the layer where N p^l passes the float32 maximum, for the Fig. A.1 parameters as recalled (the seed text has no numbers)"),
    S("YS17.25", YS, "Sec. 5.2, Thm. B.2.1",
      "For ReLU full resnets 1 - e^l ~ C l^{-2} with C depending on sigma_v and sigma_w only.",
      ("YS17/relu-frn/cosine-rate-constant", "YS17/relu-frn/cosine-rate-fit")),
    S("YS17.26", YS, "Sec. 5.2, Thm. B.2.1",
      "For alpha-ReLU with alpha < 1 the cosine distance tends to the non-unit fixed point e* "
      "of J_alpha.",
      ("YS17/alpha-relu/cosine-fixed-point",)),
    S("YS17.27", YS, "Sec. 5.2, Thm. B.2.1",
      "For alpha < 1, |e^l - e*| ~ l^{-mu} with mu = (1 - J_alpha'(e*))/(1 - alpha), "
      "independent of the variances.",
      ("YS17/alpha-relu/cosine-rate", "YS17/alpha-relu-frn/rate-with-sigma-a")),
    S("YS17.28", YS, "Sec. 5.2 (backward dynamics)",
      "For ReLU full resnets the gradient chi grows exponentially, like p.",
      ("YS17/relu-frn/chi-base", "YS17/relu-frn/p-base")),
    S("YS17.29", YS, "Sec. 5.2 (backward dynamics)",
      "For 1/2 < alpha < 1, chi^0/chi^l grows like l^{alpha^2/((1 - alpha)(2 alpha - 1))}.",
      ("YS17/alpha-relu-frn/chi-exponent", "YS17/alpha-relu-frn/chi-exponent-fit")),
    S("YS17.30", YS, "Sec. 5.2, endnote 5",
      "At alpha = 1/2 the expected gradient norm diverges; for alpha <= 3/4 the variance of "
      "the gradient already diverges.",
      ("YS17/alpha-relu/gradient-norm-threshold", "YS17/alpha-relu/gradient-variance-threshold")),
    S("YS17.31", YS, "Sec. 5.2, Fig. B.8",
      "The gradient exponent is minimized on its domain at an explicit alpha, with an "
      "explicit minimum.",
      ("YS17/alpha-relu-frn/chi-exponent-argmin", "YS17/alpha-relu-frn/chi-exponent-minimum", "YS17/alpha-relu-frn/chi-exponent-minimum-finite-variance")),
    S("YS17.32", YS, "Sec. 5.2, Thm. B.2.1",
      "For ReLU full resnets the weight-gradient norms chi_w, chi_v do not depend on how far "
      "the gradient has propagated.",
      ("YS17/relu-frn/weight-gradients-constant",)),
    S("YS17.33", YS, "Sec. 4, Table 2",
      "The metric expressivity s^l (squared distance of two inputs) varies only polynomially "
      "with depth for tanh and alpha-ReLU (alpha < 1) resnets.",
      ("YS17/tanh-rrn/s-linear", "YS17/tanh-frn/s-linear-coefficient", "YS17/alpha-relu-frn/s-exponent-fit", "YS17/tanh-like-rrn/s-exponent-fit")),
    S("YS17.34", YS, "App. C.7.1",
      "The alpha-ReLU kernel has an integral representation against the Bessel function K_0, "
      "equivalently a hyperbolic-cosine integral.",
      ("YS17/bessel/kernel-bessel-representation", "YS17/bessel/bessel-hyperbolic-form")),
    S("YS17.35", YS, "App. C.7.1",
      "Laplace-type Bessel integrals have closed forms (general alpha, moments, alpha = 0, "
      "integer n via Cho-Saul).",
      ("YS17/bessel/bessel-laplace-closed-form", "YS17/bessel/bessel-moment",
       "YS17/bessel/bessel-laplace-transform-alpha-zero", "YS17/bessel/cho-saul-via-bessel")),
    S("YS17.36", YS, "App. C.7.1",
      "The normalized kernel and its slope at c = 0 have Gamma-function closed forms.",
      ("YS17/bessel/normalized-kernel-at-zero", "YS17/bessel/kernel-slope-at-zero")),
    S("YS17.37", YS, "App. C.7.1",
      "The alpha-ReLU kernels obey a derivative ladder and a three-term recurrence in alpha.",
      ("YS17/bessel/kernel-derivative-ladder", "YS17/bessel/kernel-three-term-recurrence")),
    S("YS17.38", YS, "Sec. 6 (tanh, vary sigma_w), Fig. 3(a, b)",
      "For tanh resnets the gradient ratio is constant along sigma_w^2 L = const (the level "
      "curves that predict the best sigma_w per depth).",
      ("YS17/tanh-rrn/gradient-level-curves",)),
    S("HR18.01", HR, "review 1, FM1",
      "Weights of variance 2/fan-in avoid FM1: the mean length of the last layer is preserved.",
      ("HR18/fm1/he-initialization-preserves-mean",)),
    S("HR18.02", HR, "review 1, FM1",
      "With another weight variance the mean length changes exponentially with depth (FM1).",
      ("HR18/fm1/exponential-otherwise",)),
    S("HR18.03", HR, "review 1, FM2; Thm. 5",
      "The variance of the output length is exponential in the sum of reciprocal widths.",
      ("HR18/fm2/exact-constant", "HR18/fm2/monte-carlo")),
    S("HR18.04", HR, "review 2, FM2",
      "FM2 as defined by the paper: the empirical variance of the layer lengths across depth "
      "grows exponentially (in the sum of reciprocal widths).",
      ("HR18/fm2/empirical-variance-exact", "HR18/fm2/empirical-variance-monte-carlo", "HR18/fm2/empirical-variance-exponential-in-beta")),
    S("HR18.05", HR, "review 1 (width order)",
      "Widths 10,20,30,40 and 40,30,20,10 have the same sum of reciprocals; whether the order "
      "matters is asked.",
      ("HR18/width-order/law-invariant", "HR18/width-order/empirical-variance-depends-on-order",
       "HR18/width-order/empirical-variance-monte-carlo"),
      "the output's E[M_d^2] does not depend on the order; the paper's FM2 statistic does: "
      "increasing widths are better by 36 %"),
    S("HR18.06", HR, "review 2",
      "For a given depth equal widths are ideal: they minimize the sum of reciprocal widths.",
      ("HR18/fm2/equal-widths-minimize-beta", "HR18/fm2/equal-widths-minimize-output-variance", "HR18/fm2/empirical-variance-equal-widths-not-optimal"),
      "equal widths minimize beta and E[M_d^2]; for the paper's own FM2 statistic they do not (6,9,9 beats 8,8,8)"),
    S("HR18.07", HR, "review 1, review 2 (ResNets)",
      "Residual blocks scaled so that the sum of the scales is finite avoid FM1.",
      ("HR18/residual/sum-eta-criterion", "HR18/residual/noncentred-first-order-term",
       "HR18/residual/centred-branch-criterion"),
      "for branches ending in a ReLU (the paper's modules) log E[M_L] grows like c sum eta_l; "
      "for centred branches the sharp condition is sum eta_l^2 < inf"),
    S("HR18.08", HR, "review 1, review 2 (ResNets)",
      "For ResNets, avoiding FM1 automatically avoids FM2.",
      ("HR18/residual/fm1-avoided-implies-fm2-avoided", "HR18/residual/fm2-monte-carlo")),
    S("HR18.09", HR, "review 3 (Thm. 5, eq. 4)",
      "Theorem 5's limsup statement on M_d: E[M_d] bounded uniformly does not by itself make "
      "limsup M_d finite.",
      (), "a remark on a gap in a proof (an almost-sure limsup): no finite computation "
      "checks it"),
    S("HR18.10", HR, "review 2 (originality)",
      "Popular initializations other than He's (Xavier, truncated He) fail the FM1 criterion.",
      ("HR18/fm1/xavier-halves-the-mean-per-layer", "HR18/fm1/truncated-he-decays")),
    S("P19.01", P, "slides 'functional priors' (Neal '94)",
      "A wide one-hidden-layer network is a Gaussian process with kernel "
      "sigma_w^2 E[phi phi^T] + sigma_b^2.",
      ("LBNSSP18/nngp/neal-one-hidden-layer-monte-carlo",)),
    S("P19.02", P, "slides 'extension to deep networks'",
      "Deep wide networks are Gaussian processes whose kernel follows a compositional "
      "recursion, layer by layer.",
      ("LBNSSP18/nngp/deep-network-monte-carlo", "LBNSSP18/neural-tangents/relu/depth10/nngp11", "LBNSSP18/neural-tangents/relu/depth10/nngp12",
       "LBNSSP18/neural-tangents/erf/depth10/nngp11", "LBNSSP18/neural-tangents/erf/depth10/nngp12")),
    S("P19.03", P, "slides 'extension to deep networks'",
      "The recursion has closed forms for ReLU (arc-cosine) and erf (Williams) networks.",
      ("LBNSSP18/nngp/relu-is-arccos-recursion", "LBNSSP18/nngp/erf-is-williams-recursion",
       "CS09/closed-form/relu/W", "W97/closed-form/erf/W")),
    S("P19.04", P, "slides 'signal propagation'",
      "The kernel dynamics converge to a universal fixed point independent of the inputs.",
      ("PLRSG16/length-map/independent-of-input", "PLRSG16/order-chaos/chaotic-fixed-point/erf")),
    S("P19.05", P, "slides 'fixed point analysis'",
      "Perfect correlation Sigma* = q* [[1, 1], [1, 1]] is a fixed point of the kernel map.",
      ("PLRSG16/correlation-map/c-one-fixed-point/erf",
       "PLRSG16/correlation-map/c-one-fixed-point/tanh")),
    S("P19.06", P, "slides 'fixed point analysis'",
      "Its stability depends on the hyperparameters: lambda_max > 1 unstable (chaos), "
      "<= 1 stable (order).",
      ("PLRSG16/order-chaos/chaotic-fixed-point/erf", "PLRSG16/order-chaos/odd-unbiased-c-star-zero")),
    S("P19.07", P, "slides 'fixed point analysis'",
      "Deviations from the fixed point decay like lambda_max^l, i.e. exp(-l/xi) with "
      "xi = -1/log lambda_max.",
      ("SGGS17/depth-scale/xi-c-ordered/erf", "SGGS17/depth-scale/xi-c-chaotic/erf",
       "SGGS17/depth-scale/xi-q/tanh", "SGGS17/depth-scale/xi-c-finite-networks/tanh")),
    S("P19.08", P, "slides 'the edge of chaos'",
      "At Sigma* the largest eigenvalue of the kernel map's Jacobian is chi = sigma_w^2 "
      "E[phi'(sqrt(q*) z)^2].",
      ("P19/kernel-map/lambda-max-is-chi/tanh", "P19/kernel-map/lambda-max-is-chi/softplus",
       "PLRSG16/chi1/slope-of-correlation-map")),
    S("P19.09", P, "slides 'fixed point analysis', 'the edge of chaos'",
      "On the edge of chaos lambda_max = 1 and the depth scale diverges.",
      ("SGGS17/depth-scale/xi-c-diverges-at-criticality", "SGGS17/criticality/power-law-approach/erf",
       "SGGS17/depth-scale/xi-q-finite-at-criticality")),
    S("P19.10", P, "slides 'critical initialization'",
      "The critical line chi(sigma_w, sigma_b) = 1 in the (sigma_w, sigma_b) plane "
      "(ReLU: sigma_w = sqrt(2)).",
      ("PLRSG16/critical-line/relu", "PLRSG16/critical-line/tanh", "PLRSG16/critical-line/erf",
       "PLRSG16/critical-line/tanh-zero-bias", "PLRSG16/critical-line/erf-zero-bias")),
    S("P19.11", P, "slides 'back-propagation'",
      "One layer of back-propagation multiplies E[delta^2] by chi.",
      ("SGGS17/backprop/gradient-ratio-per-layer-monte-carlo",)),
    S("P19.12", P, "slides 'back-propagation'",
      "Over L layers E[(delta^1)^2] = E[(delta^L)^2] chi^L: gradients vanish or explode "
      "unless chi = 1.",
      ("PSG17/jacobian/mean-squared-singular-value-chi-power-L", "PSG17/jacobian/criticality-unit-mean-squared-singular-value", "SGGS17/backprop/gradient-ratio-per-layer-monte-carlo"),
      "delta^0 = J delta^L: the mean squared singular value of J is the gradient's growth over L layers"),
    S("P19.13", P, "slide 'predicting trainable depth'",
      "Signals are lost after a few depth scales: the trainable depth is about 6 xi.",
      ("SGGS17/trainable-depth/six-xi-c", "SGGS17/depth-scale/xi-c-finite-networks/tanh"),
      "finite random networks: the depth where the correlation signal falls to e^-6, measured "
      "against 6 xi_c (training itself is not rerun)"),
    S("P19.14", P, "slides 'dynamical isometry'",
      "Criticality is E[tr J^T J] = chi^L = 1 for the input-output Jacobian.",
      ("PSG17/jacobian/mean-squared-singular-value-chi-power-L", "PSG17/jacobian/criticality-unit-mean-squared-singular-value")),
    S("P19.15", P, "slides 'computing the spectrum'",
      "Free probability gives the Jacobian's singular value spectrum analytically.",
      ("PSG17/linear-gaussian/fuss-catalan", "PSG17/linear-gaussian/marchenko-pastur-edge")),
    S("P19.16", P, "slide 'dynamical isometry'",
      "Activations linear near the origin reach dynamical isometry at small bias variance on "
      "the critical line (orthogonal weights).",
      ("PSG17/tanh/isometry-at-zero-bias",)),
    S("P19.17", P, "slide 'dynamical isometry'",
      "Not every critical point is equally good: ReLU cannot reach dynamical isometry.",
      ("PSG17/relu/no-isometry",)),
    S("P19.18", P, "slides 'functional posteriors'",
      "As the width grows the parameters move less during gradient descent.",
      ("LXSBNSP19/linearization/parameter-displacement-linear-model",),
      "the displacement equals the linear model's, which does not grow with N: relative change ~ N^-1/2"),
    S("P19.19", P, "slides 'functional posteriors'",
      "The network's linearization around its initial parameters becomes exact as N -> inf.",
      ("LXSBNSP19/linearization/trained-mean-equals-ntk-linear-model",)),
    S("P19.20", P, "slide 'implications for the posterior'",
      "For MSE loss the outputs evolve by the neural tangent kernel "
      "Theta = J_0 J_0^T / M, with a closed-form recursion.",
      ("JGH18/ntk/relu-arccos-recursion", "JGH18/ntk/empirical-ntk-monte-carlo",
       "JGH18/neural-tangents/relu/depth10/ntk12", "JGH18/neural-tangents/erf/depth10/ntk12")),
    S("P19.21", P, "slide 'implications for the posterior'",
      "The posterior after t steps (t -> inf) of gradient descent is computable in closed form.",
      ("LXSBNSP19/gd-ensemble/neural-tangents-mean", "LXSBNSP19/readout-only/equals-nngp-posterior")),
)
