import type { FastifyInstance } from 'fastify';
import type { App } from '../../../app.ts';
import { registerHomePage } from './home.ts';

export function registerPages(server: FastifyInstance, app: App): void {
  registerHomePage(server, app);
}
