import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { STATUS_BY_ERROR_CODE, type ErrorCode } from '../errors/error-code';
import { ErrorResponseDto } from './error-response.dto';

/** Documents the contract's error responses a route can give, grouped by status. */
export function ApiErrorResponses(...codes: ErrorCode[]) {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of [...codes, 'internal_error' as const]) {
    const status = STATUS_BY_ERROR_CODE[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return applyDecorators(
    ...[...byStatus].map(([status, statusCodes]) =>
      ApiResponse({
        status,
        type: ErrorResponseDto,
        description: `error: ${statusCodes.map((code) => `\`${code}\``).join(' or ')}`,
      }),
    ),
  );
}
