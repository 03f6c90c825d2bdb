import { SetMetadata } from '@nestjs/common';

export const PUBLIC_ROUTE = 'publicRoute';

/** Open to anyone without an API key (health, metrics, the root). */
export const PublicRoute = () => SetMetadata(PUBLIC_ROUTE, true);
