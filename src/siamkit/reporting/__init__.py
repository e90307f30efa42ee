"""Reports: ``plots`` (loss curves, ROC, score histograms, 2-D embeddings, hardest pairs; matplotlib Agg),
``html`` (one self-contained ``index.html``) and ``folder`` (a whole report folder from evaluated parts)."""

from siamkit.core.lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        **dict.fromkeys(
            ("plot_loss", "plot_roc", "plot_score_histogram", "plot_embedding_2d", "plot_hard_pairs"),
            "siamkit.reporting.plots",
        ),
        "write_html_report": "siamkit.reporting.html",
        **dict.fromkeys(("build_report", "read_history"), "siamkit.reporting.folder"),
    },
)
