import { SetMetadata } from '@nestjs/common';

export const PUBLIC_ROUTE = 'publicRoute';

/** Open to anyone: no API key, no rate limit (health, metrics, the root). */
export const PublicRoute = () => SetMetadata(PUBLIC_ROUTE, true);
