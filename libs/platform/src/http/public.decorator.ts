import { SetMetadata } from '@nestjs/common';
import type { ApiGroup } from '@cloudflow/contracts';

export const PUBLIC_KEY = 'cloudflow:public';
export const API_GROUP_KEY = 'cloudflow:apiGroup';

/** Opts a route out of the global APP-key guard (health, metrics, docs, portal). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/** The API group an APP key must be allowed for this controller or route. */
export const RequiresApiGroup = (group: ApiGroup) => SetMetadata(API_GROUP_KEY, group);
