import { z } from 'zod';
import type { App } from '../../../app.ts';
import { statisticsCsv, statisticsRange } from '../../../modules/cooperation/index.ts';
import { attachment } from '../../evidence-download.ts';
import { type ApiServer, text } from '../schemas.ts';
import { caseContent, who } from './shared.ts';

/** Statistics of one's organisation's requests (counts only, no case content), as JSON and as CSV. */
const Tally = z.array(z.object({ key: z.string(), count: z.number() }));
const StatisticsSchema = z
  .object({
    from: z.string().nullable(),
    to: z.string().nullable(),
    total: z.number(),
    rows: z.array(
      z.object({
        type: z.string(),
        direction: z.string(),
        state: z.string(),
        outcome: z.string(),
        count: z.number(),
        answered: z.number(),
        medianDays: z.number().nullable(),
        p90Days: z.number().nullable(),
      }),
    ),
    byType: Tally,
    byState: Tally,
    byOutcome: Tally,
    timeToAnswer: z.array(z.object({ key: z.string(), answered: z.number(), medianDays: z.number().nullable(), p90Days: z.number().nullable() })),
  })
  .meta({ id: 'CooperationStatistics' });

const StatsQuery = z.object({
  from: text(10, 'first day counted (YYYY-MM-DD, UTC; by creation date)').optional(),
  to: text(10, 'last day counted, included (YYYY-MM-DD, UTC)').optional(),
});

export function registerStatisticsRoutes(r: ApiServer, app: App): void {
  r.get(
    '/api/v1/cooperation/statistics',
    caseContent('requests.statistics', {
      operationId: 'cooperation.statistics',
      summary: 'Requests by type, State and outcome, with the median and 90th-percentile days to answer (counts only, no case content)',
      querystring: StatsQuery,
      response: { 200: StatisticsSchema },
    }),
    async (request) => {
      const { actor, orgId } = who(request);
      return app.cooperation.statistics.compute(actor, orgId, statisticsRange(request.query));
    },
  );

  r.get(
    '/api/v1/cooperation/statistics.csv',
    caseContent('requests.statistics', {
      operationId: 'cooperation.statisticsCsv',
      summary: 'The statistics as RFC 4180 CSV, one row per type, direction, State and outcome',
      querystring: StatsQuery,
      response: { 200: z.string().describe('text/csv') },
    }),
    async (request, reply) => {
      const { actor, orgId } = who(request);
      const stats = await app.cooperation.statistics.compute(actor, orgId, statisticsRange(request.query));
      const range = [request.query.from, request.query.to].filter(Boolean).join('_');
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', attachment(`statistics-${orgId}${range ? `-${range}` : ''}.csv`))
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'no-store')
        .send(statisticsCsv(stats));
    },
  );
}
