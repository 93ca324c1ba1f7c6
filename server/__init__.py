"""好商量 (haoshangliang): the application server for “有事好商量” consultation rooms."""

__version__ = "0.1.0"
