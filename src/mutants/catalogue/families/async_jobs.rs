//! Mutants proving the `async-jobs` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "job-without-location",
        &["async-jobs.202-location-header"],
        "The 202 Accepted for a new export job omits the Location header, so clients are not told to poll /api/v1/jobs/{id}.",
    ),
    Mutant::fault(
        "job-id-as-id",
        &["async-jobs.202-with-job-body"],
        "The 202 body serialises the job with the generic `id` key instead of `job_id`.",
    ),
    Mutant::fault(
        "job-status-queued",
        &["async-jobs.status-values"],
        "Jobs are created in the queue library's own state, `queued`, instead of `pending`.",
    ),
    Mutant::fault(
        "job-completed-progress-stale",
        &["async-jobs.completed-job-has-result"],
        "The worker marks the job completed but forgets to bump progress to 100.",
    ),
    Mutant::fault(
        "job-error-as-string",
        &["async-jobs.failed-job-has-problem-error"],
        "A failed job stores its error as the bare message string, not an RFC 9457 object.",
    ),
    Mutant::fault(
        "job-lookup-ignores-workspace",
        &["async-jobs.workspace-scoped"],
        "The job status endpoint looks the job up by id alone, so another workspace can read it.",
    ),
    Mutant::fault(
        "job-result-ttl-1h",
        &["async-jobs.result-ttl-default-24h"],
        "The result link expires after one hour (a cache default) instead of the documented 24 h.",
    ),
];
