/**
 * What a run did about one review thread it was given: the reply the app posts in the thread
 * and whether the run's commit changed something for it. Today the app fills it from the run
 * as a whole (every thread in the prompt gets the commit's short SHA and the summary's first
 * line, or the agent's answer when nothing changed); an agent's structured output can fill it
 * per thread later without the delivery side changing.
 */
export interface ThreadReply {
  /** GraphQL node id of the review thread (what `resolveReviewThread` takes). */
  threadId: string;
  reply: string;
  changed: boolean;
}

/** A thread the app replied in, as the status comment lists it. */
export interface RepliedThread extends ThreadReply {
  path: string;
  line?: number;
  /** The thread's first comment on github.com. */
  url: string;
  resolved: boolean;
}
