// zod issues as one readable line each, named by their path in the parent (`spec.kafka.replicas: …`).
import type { z } from 'zod';

export function formatIssues(error: z.ZodError, root: string): string[] {
  return error.issues.map((issue) => {
    const path = [root, ...issue.path.map(String)].join('.');
    return `${path}: ${issue.message}`;
  });
}
