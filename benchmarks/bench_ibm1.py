"""emlib.ibm1.IBMModel1 against NLTK's IBMModel1 (pure Python), 10 EM iterations.

Both sides start from t(e | f) = 1 / |English vocabulary| (NLTK's and emlib's "uniform"),
with the NULL word, Chinese characters as the source and English words as the target.
NLTK counts a target word that repeats inside one sentence only once per sentence (its
E step keys the normaliser by word, not by position), so the comparison uses the 492 of
the 500 Tatoeba pairs whose English side repeats no word; on those both compute the same
EM. Each timed call includes building the model from the token lists (emlib's integer
coding, NLTK's vocabulary and tables). The setup checks that the two tables agree to 1e-10
on every co-occurring cell; both objectives are ln p(corpus | t) computed by emlib (for
NLTK, at its final table, outside its timing).

Cases: the corpus itself, and the corpus repeated ×20 (9,840 pairs) for scaling.
"""

from __future__ import annotations

import numpy as np
from harness import Case
from nltk.translate import AlignedSent
from nltk.translate import IBMModel1 as NLTKModel1

from emlib.datasets import load_en_zh_tatoeba
from emlib.ibm1 import IBM1Params, IBMModel1, IBMModel1Model, encode_corpus
from emlib.text import tokenize_pairs

ITERATIONS = 10
_corpus = load_en_zh_tatoeba()
PAIRS = [(f, e) for f, e in tokenize_pairs(_corpus.chinese, _corpus.english)
         if len(set(e)) == len(e)]


def _nltk_params(model: NLTKModel1, corpus) -> IBM1Params:
    table = model.translation_table
    return IBM1Params(np.array([table[corpus.target_vocabulary[e]][corpus.source_vocabulary[f]]
                                for f, e in zip(corpus.cell_source, corpus.cell_target,
                                                strict=True)]))


def _case(times: int) -> Case:
    pairs = PAIRS * times
    corpus = encode_corpus(pairs)
    nltk_objective: dict[str, float] = {}

    def emlib() -> float:
        return IBMModel1(max_iter=ITERATIONS, tol=None).fit(pairs).log_likelihood_

    def nltk_fit() -> NLTKModel1:
        return NLTKModel1([AlignedSent(list(e), list(f)) for f, e in pairs], ITERATIONS)

    def peer() -> float:
        nltk_fit()  # deterministic: the same table as the setup's run, scored there
        return nltk_objective["ln p"]

    def setup() -> None:
        ours = IBMModel1(max_iter=ITERATIONS, tol=None).fit(pairs).params_.prob
        theirs = _nltk_params(nltk_fit(), corpus)
        worst = float(np.max(np.abs(ours - theirs.prob)))
        if worst > 1e-10:
            raise AssertionError(f"emlib and NLTK tables differ by {worst:.3g}")
        nltk_objective["ln p"] = IBMModel1Model().log_likelihood(corpus, theirs)
        case.note = (f"same t (max abs diff {worst:.1e} over {corpus.n_cells} cells); "
                     + ("time ratio <= 0.05" if times == 1 else f"×{times}, scaling"))

    case = Case(f"Tatoeba zh→en{f' ×{times}' if times > 1 else ''} ({len(pairs)} pairs, "
                f"{len(corpus.triple_cell)} triples), {ITERATIONS} its", emlib, peer,
                "NLTK IBMModel1", setup=setup, repeat=5 if times == 1 else 2)
    return case


CASES = [_case(1), _case(20)]
