"""The learned attribution stage: a fine-tuned transformer tags source, cue and content.

- `encode.py`: paragraphs into subword windows, the BIO labels;
- `network.py`: the encoder with its linear head, constrained Viterbi decoding, saving and loading;
- `bert.py`: the encoder and tokenizer a run builds from the saved files, without `transformers`;
- `link.py`: each content linked to a cue and a source by structure;
- `merge.py`: the model's attributions merged with the rules' quotes;
- `component.py`: the `claims_attribution` spaCy component.

Training lives in `pipeline.learn.attribution` (`make train-transformer`).
"""

from .component import (
    AttributionFinder,
    AttributionModel,
    has_model,
    make_attribution_finder,
    shipped_model_path,
)

__all__ = [
    "AttributionFinder",
    "AttributionModel",
    "has_model",
    "make_attribution_finder",
    "shipped_model_path",
]
