/** A review thread as a test describes it; `threadsReply` shapes it as GitHub's GraphQL answers. */
export interface ThreadSpec {
  id: string;
  path: string;
  line: number;
  resolved?: boolean;
  diffHunk?: string;
  comments: { id: number; body: string; user: string; createdAt: string; reviewId?: number; bot?: boolean }[];
}

/** The answer to the `reviewThreads` query: one page holding `threads`. */
export function threadsReply(threads: readonly ThreadSpec[]) {
  return {
    data: {
      repository: {
        pullRequest: {
          reviewThreads: {
            pageInfo: { hasNextPage: false, endCursor: null },
            nodes: threads.map((t) => ({
              id: t.id,
              isResolved: t.resolved ?? false,
              path: t.path,
              line: t.line,
              originalLine: t.line,
              comments: {
                nodes: t.comments.map((c) => ({
                  databaseId: c.id,
                  body: c.body,
                  createdAt: c.createdAt,
                  url: `https://github.com/Codertocat/Hello-World/pull/42#discussion_r${c.id}`,
                  diffHunk: t.diffHunk ?? `@@ -1 +1 @@\n-${t.path}\n+${t.path}!`,
                  author: c.bot
                    ? { login: 'issue-agent[bot]', __typename: 'Bot' }
                    : { login: c.user, __typename: 'User' },
                  pullRequestReview: c.reviewId === undefined ? null : { databaseId: c.reviewId },
                })),
              },
            })),
          },
        },
      },
    },
  };
}

/**
 * `POST /graphql`: the review-threads query answered from `threads()` (read at each call, so a
 * test can add comments between calls), and `resolveReviewThread` answered as done.
 */
export function graphqlRoute(threads: () => readonly ThreadSpec[]): (body: unknown) => [number, unknown] {
  return (body) => {
    const { query, variables } = body as { query: string; variables: { threadId?: string } };
    if (query.includes('resolveReviewThread')) {
      return [200, { data: { resolveReviewThread: { thread: { id: variables.threadId, isResolved: true } } } }];
    }
    return [200, threadsReply(threads())];
  };
}

/** The GraphQL requests of a mock's recorded calls that resolved a thread: their thread ids. */
export function resolvedThreadIds(bodies: unknown[]): string[] {
  return (bodies as { query: string; variables: { threadId?: string } }[])
    .filter((b) => b.query.includes('resolveReviewThread'))
    .map((b) => b.variables.threadId!);
}

/** How many times the threads were read. */
export function threadReads(bodies: unknown[]): number {
  return (bodies as { query: string }[]).filter((b) => b.query.includes('reviewThreads')).length;
}
