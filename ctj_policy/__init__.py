"""ctj-policy: policy-as-code gate for the CivicTechJobs Stage 1 deployment decision."""

__version__ = "0.1.0"
