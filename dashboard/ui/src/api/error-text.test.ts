/** What the pages say of a failed request (dashboard/ui/src/api/error-text.ts), in zh-CN, without a browser. */
import { beforeAll, describe, expect, it } from 'vitest';
import { stubBrowserGlobals } from '../browser-globals.test-support.ts';

type ErrorTextModule = typeof import('./error-text.ts');
type ClientModule = typeof import('./client.ts');
let errorText: ErrorTextModule['errorText'];
let ApiError: ClientModule['ApiError'];

beforeAll(async () => {
  stubBrowserGlobals('zh-CN');
  ({ errorText } = await import('./error-text.ts'));
  ({ ApiError } = await import('./client.ts'));
});

describe('errorText', () => {
  it('says a refusal from its code and params, not the agent sentence', () => {
    const refused = new ApiError(409, 'HAZMON_API_REFUSED', "P: hihi (150) is outside the point's range 0..100", null, {
      code: 'limit_out_of_range',
      params: { target: 'P', limit: 'hihi', value: 150, low: 0, high: 100 },
    });
    expect(errorText(refused)).toBe('P：hihi（150）超出测点量程 0..100');
  });

  it("says the server's own input check (its sentence names the field) as an input error", () => {
    expect(errorText(new ApiError(400, 'HAZMON_API_INVALID', 'minutes: Number must be less than or equal to 1440', 'minutes'))).toBe('输入有误：minutes: Number must be less than or equal to 1440');
  });

  it('says a busy server with Retry-After as busy, and a read stopped at the time limit (no Retry-After) as asking for less', () => {
    expect(errorText(new ApiError(503, 'HAZMON_API_BUSY', "the gateway's store has no memory free for this read just now: try again", null, null, 1))).toBe('服务器繁忙，请稍后重试');
    expect(errorText(new ApiError(503, 'HAZMON_API_BUSY', 'a read ran longer than 30 s and was stopped: ask for a shorter range or a smaller page', null))).toBe(
      '查询耗时超过网关限制，已停止：请缩短时间范围或减少条数',
    );
  });

  it("falls back to the server's sentence for a code the catalog does not know", () => {
    expect(errorText(new ApiError(409, 'HAZMON_API_REFUSED', 'a newer refusal', null, { code: 'from_a_newer_agent' as never, params: {} }))).toBe('a newer refusal');
  });
});
