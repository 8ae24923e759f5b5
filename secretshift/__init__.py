"""secretshift: find hardcoded credentials, move them to AWS Secrets Manager, rewrite the code.

Keep this module empty of imports: the pre-commit hook's start-up time depends on it.
"""
__version__ = "0.1.0"
