import { z } from 'zod';
import { ORGANISATION_KINDS, ROLES } from './roles.ts';

export const Email = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .regex(/^[^\s@]+@[^\s@]+$/, 'expected an email address');
export const OrganisationId = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'lowercase letters, digits and hyphens, 2 to 63');

export const NewOrganisation = z.object({
  id: OrganisationId,
  name: z.string().trim().min(2).max(200),
  kind: z.enum(ORGANISATION_KINDS).default('other'),
  /** Its first admin, invited at once (optional). */
  admin: z.object({ email: z.string(), name: z.string(), locale: z.enum(['es', 'en']).optional() }).optional(),
});

export const NewUser = z.object({
  email: Email,
  name: z.string().trim().min(1).max(200),
  orgId: OrganisationId,
  roles: z.array(z.enum(ROLES)).min(1).max(ROLES.length),
  locale: z.enum(['es', 'en']).default('es'),
});

export const RoleList = z.array(z.enum(ROLES)).max(ROLES.length);
