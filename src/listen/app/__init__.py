"""The application layer: the one front door every front end (CLI, web, tests) calls.

Each business rule lives in one named function here, so no front end can forget it; only
the store (`listen.store`) touches the database. One module per concern:

- `collection`: sync contacts into sources, poll them, store each result (`collect`)
- `pipeline`: `listen run` for cron, under the run lock, and `listen status`
- `contacts`: add, list, remove, import contacts (identity checks, config ownership), one
  contact's page and priority
- `posts`: recent posts, search, suggestions, marking what the user did with a post
- `classifier`: classify posts and train the model on the user's history
- `digest`: the digest (built, delivered, then recorded), scores, LinkedIn import
- `follows`: import whom you follow (Bluesky, Mastodon, X), priced on X, resumable
- `people`: one person across platforms (merge, split, suggestions), priorities from behaviour
- `relationships`: one contact's story, the circle, who talked to you, contacts to add
  (docs/people.md)
- `demo`: the demo's data steps
"""

from __future__ import annotations

from listen.app.classifier import (
    MIN_TRAINING_EXAMPLES,
    ClassifySummary,
    TrainReport,
    classify,
    data_dir,
    train,
)
from listen.app.classify_posts import (
    Explanation,
    FileClassification,
    classify_file,
    explain_post,
    prediction_lines,
)
from listen.app.collection import (
    CollectOptions,
    OutcomeCallback,
    collect,
    enabled_platforms,
    http_settings,
    open_store,
    open_store_for_reading,
    run_totals,
    self_targets,
    server_of,
    sync_contacts,
    x_read_status,
    x_reads_to_show,
)
from listen.app.contacts import (
    ContactImport,
    ContactPage,
    IdentityProblem,
    add_contact,
    check_identities,
    contact_named,
    contact_page,
    import_contacts_file,
    list_contacts,
    remove_contact,
    set_contact_priority,
)
from listen.app.demo import (
    DEMO_MAX_LOOKBACK_DAYS,
    DemoWindow,
    demo_window,
    most_engaged_contact,
)
from listen.app.digest import (
    DigestDelivery,
    ImportSummary,
    daily_digest,
    deliver_digest,
    digest_subject,
    import_linkedin_export,
    participation,
)
from listen.app.follows import FollowsImportReport, ImportQuote, import_follows, own_account
from listen.app.people import (
    MergeDone,
    MergeSuggestion,
    PersonLine,
    PriorityChange,
    apply_priorities,
    merge_by_hand,
    merge_verified,
    people,
    propose_priorities,
    split_by_hand,
    suggest_merges,
)
from listen.app.pipeline import (
    RUN_STEPS,
    PipelineReport,
    PipelineStep,
    StatusReport,
    StepResult,
    exclusive_run,
    run_pipeline,
    status_report,
)
from listen.app.posts import (
    MARK_LABELS,
    SUGGESTED_ACTIONS,
    change_marker,
    has_posts,
    mark_post,
    marked,
    post_hit,
    recent_posts,
    search_posts,
    suggestions,
)
from listen.app.relationships import (
    ContactSuggestion,
    circle_report,
    contact_story,
    people_score,
    recent_interactions,
    suggest_contacts,
    talked_to_you,
)
from listen.facts import InteractionFact
from listen.people.circle import (
    CircleReport,
    HelpedPerson,
    PeopleScore,
    ReplyBack,
    UntouchedContact,
)
from listen.people.story import ContactStory, MonthCount, NextStep, Opening, TimelineEntry
from listen.store import Store  # the handle front ends get from `open_store` and pass back

__all__ = [
    "DEMO_MAX_LOOKBACK_DAYS",
    "MARK_LABELS",
    "MIN_TRAINING_EXAMPLES",
    "RUN_STEPS",
    "SUGGESTED_ACTIONS",
    "CircleReport",
    "ClassifySummary",
    "CollectOptions",
    "ContactImport",
    "ContactPage",
    "ContactStory",
    "ContactSuggestion",
    "DemoWindow",
    "DigestDelivery",
    "Explanation",
    "FileClassification",
    "FollowsImportReport",
    "HelpedPerson",
    "IdentityProblem",
    "ImportQuote",
    "ImportSummary",
    "InteractionFact",
    "MergeDone",
    "MergeSuggestion",
    "MonthCount",
    "NextStep",
    "Opening",
    "OutcomeCallback",
    "PeopleScore",
    "PersonLine",
    "PipelineReport",
    "PipelineStep",
    "PriorityChange",
    "ReplyBack",
    "StatusReport",
    "StepResult",
    "Store",
    "TimelineEntry",
    "TrainReport",
    "UntouchedContact",
    "add_contact",
    "apply_priorities",
    "change_marker",
    "check_identities",
    "circle_report",
    "classify",
    "classify_file",
    "collect",
    "contact_named",
    "contact_page",
    "contact_story",
    "daily_digest",
    "data_dir",
    "deliver_digest",
    "demo_window",
    "digest_subject",
    "enabled_platforms",
    "exclusive_run",
    "explain_post",
    "has_posts",
    "http_settings",
    "import_contacts_file",
    "import_follows",
    "import_linkedin_export",
    "list_contacts",
    "mark_post",
    "marked",
    "merge_by_hand",
    "merge_verified",
    "most_engaged_contact",
    "open_store",
    "open_store_for_reading",
    "own_account",
    "participation",
    "people",
    "people_score",
    "post_hit",
    "prediction_lines",
    "propose_priorities",
    "recent_interactions",
    "recent_posts",
    "remove_contact",
    "run_pipeline",
    "run_totals",
    "search_posts",
    "self_targets",
    "server_of",
    "set_contact_priority",
    "split_by_hand",
    "status_report",
    "suggest_contacts",
    "suggest_merges",
    "suggestions",
    "sync_contacts",
    "talked_to_you",
    "train",
    "x_read_status",
    "x_reads_to_show",
]
