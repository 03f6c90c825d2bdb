import { Controller, Delete, Get, HttpCode, Param } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentCaller, type Caller } from '../common/auth/caller';
import { ApiErrorResponses } from '../common/openapi/api-error-responses.decorator';
import { ConversationService } from './conversation.service';
import { ConversationResponseDto } from './dto/conversation-response.dto';

// Listed in this order, the document offers a bearer token first, then X-API-Key.
@ApiSecurity('api-key')
@ApiBearerAuth()
@ApiTags('conversations')
@ApiErrorResponses('unauthorized', 'not_found', 'rate_limit_exceeded', 'store_unavailable')
@Controller('api/v1/conversations')
export class ConversationsController {
  constructor(private readonly conversations: ConversationService) {}

  @Get(':id')
  @ApiOperation({ summary: "A conversation's recent messages, system prompt and totals" })
  @ApiOkResponse({ type: ConversationResponseDto })
  get(@Param('id') id: string, @CurrentCaller() caller: Caller): Promise<ConversationResponseDto> {
    return this.conversations.describe(id, caller);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Forget a conversation' })
  @ApiNoContentResponse({ description: 'Deleted.' })
  delete(@Param('id') id: string, @CurrentCaller() caller: Caller): Promise<void> {
    return this.conversations.remove(id, caller);
  }
}
