# claims: `make run` installs into .venv if needed and runs the main job; `make test` runs the tests.
# One target per stage of work; real files as prerequisites, so nothing is redone without cause.

PYTHON  ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
POLNEAR ?= ../shared/polnear
OUT     ?= out/claims.jsonl
# Whose annotation guidelines `make eval` runs with: claims (the default), polnear or cofenet (claims run --convention).
CONVENTION ?= claims
STAMP   := $(VENV)/.installed

.PHONY: install run test lint format eval bench cues complements train-attribution train-transformer clean help

help:
	@echo "make run    - install if needed, then annotate corpus/ into $(OUT) and print a summary"
	@echo "make test   - run the test suite (installs first if needed)"
	@echo "make lint   - ruff check and format check"
	@echo "make eval   - score attribution on PolNeAR dev ($(POLNEAR)/dev); CONVENTION=polnear for PolNeAR's spans, cofenet for one quote per piece"
	@echo "make bench  - speed and memory figures"
	@echo "make cues   - re-mine models/cues.yml from PolNeAR train"
	@echo "make complements - re-mine models/complement_cues.yml from PolNeAR train (after cues)"
	@echo "make train-attribution - retrain the attribution tagger models/attribution/model on PolNeAR train"
	@echo "make train-transformer - fine-tune the transformer attribution model models/attribution-transformer (resumable)"

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	@mkdir -p $(dir $(OUT))
	$(BIN)/claims run corpus/ -o $(OUT)

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check pipeline tests
	$(BIN)/ruff format --check pipeline tests

format: $(STAMP)
	$(BIN)/ruff format pipeline tests

cues: $(STAMP)
	$(BIN)/python -m pipeline.learn.cues $(POLNEAR)/train -o models/cues.yml

complements: $(STAMP)
	$(BIN)/python -m pipeline.learn.complements $(POLNEAR)/train -o models/complement_cues.yml

# The attribution role tagger (pipeline/roles.py): a corpus of roles from PolNeAR train (a stable tenth
# held out as `tune`), `spacy train` with models/attribution/config.cfg, then the best model copied
# into models/attribution/model. About 20 minutes on two CPU cores.
train-attribution: $(STAMP)
	$(BIN)/python -m pipeline.stages.roles.tagger corpus $(POLNEAR)/train out/attribution
	$(BIN)/python -m spacy train models/attribution/config.cfg --output out/attribution/train
	$(BIN)/python -m pipeline.stages.roles.tagger install out/attribution/train/model-best models/attribution/model

# The transformer attribution model (pipeline/stages/attribution): MiniLM fine-tuned on PolNeAR train with
# its tune tenth held out, in two phases: 4 epochs from the base encoder, then one more epoch from phase
# one's best at a third of its rates. Both checkpoint (run it again to resume); the phase-two best by tune
# span F is installed into models/attribution-transformer. Phase one again from --seed 45 makes the
# ensemble member models/attribution-transformer/seed45, installed only if the pair scores higher on the
# tune tenth. About 12 minutes an epoch on two idle cores, 2 hours in all.
TRANSFORMER_RUN := out/attribution-transformer
train-transformer: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[train]"
	$(BIN)/python -m pipeline.learn.attribution.train $(POLNEAR)/train $(TRANSFORMER_RUN) --resume
	$(BIN)/python -m pipeline.learn.attribution.train $(POLNEAR)/train $(TRANSFORMER_RUN)-continued --resume \
		--init $(TRANSFORMER_RUN)/best --epochs 1 --lr 3e-5 --head-lr 3e-4 --warmup 0.05 --seed 43
	$(BIN)/python -m pipeline.learn.attribution.train install $(TRANSFORMER_RUN)-continued/best models/attribution-transformer $(if $(FORCE),--force)
	$(BIN)/python -m pipeline.learn.attribution.train $(POLNEAR)/train $(TRANSFORMER_RUN)-seed45 --resume --seed 45
	$(BIN)/python -m pipeline.learn.attribution.train install-member $(TRANSFORMER_RUN)-seed45/best \
		models/attribution-transformer seed45 $(POLNEAR)/train $(if $(FORCE),--force)

out/polnear-dev-$(CONVENTION).jsonl: $(STAMP) $(shell find pipeline models -type f -not -path "*/__pycache__/*")
	@mkdir -p out
	$(BIN)/claims run $(POLNEAR)/dev/text -o $@ --no-resume --quiet --convention $(CONVENTION)

eval: out/polnear-dev-$(CONVENTION).jsonl
	$(BIN)/claims eval $(POLNEAR)/dev out/polnear-dev-$(CONVENTION).jsonl

bench: $(STAMP)
	$(BIN)/python -m pipeline.eval.bench $(POLNEAR)/train --repeat 2

clean:
	rm -rf out build *.egg-info
