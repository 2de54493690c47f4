import { Body, Controller, Get, HttpCode, Inject, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { GatewayConfig } from '../config';
import { parseBody } from '../request-body';
import { GATEWAY_CONFIG } from '../tokens';
import { AccountService } from './account.service';
import { looksLikeOpaqueToken } from './opaque-token';
import { PASSWORD_MAX_LENGTH } from './password.policy';
import { CurrentUser, type Principal } from './principal';
import type { RouteAccess } from './route-access';
import {
  clearCookieSession,
  REFRESH_COOKIE,
  refreshTokenFromCookie,
  sendCookieSession,
  wantsCookieSession,
} from './session.cookie';

// Lengths are checked loosely here (a too-long string is a 400 before any hashing) and precisely by the services.
const email = z.string().max(320);
const password = z.string().max(PASSWORD_MAX_LENGTH * 4);
const token = z.string().max(200);

const RegisterBody = z.strictObject({ email, password, notifyOnBatchCompleted: z.boolean().default(false) });
const LoginBody = z.strictObject({ email, password });
const RefreshBody = z.strictObject({ refreshToken: token });
const ConfirmBody = z.strictObject({ token });
const ResendBody = z.strictObject({ email });
const PasswordBody = z.strictObject({ currentPassword: password, newPassword: password });
const PreferencesBody = z.strictObject({ notifyOnBatchCompleted: z.boolean() });

const PUBLIC: RouteAccess = { public: true, authLimited: true };

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

@Controller('api')
export class AuthController {
  constructor(
    @Inject(AccountService) private readonly accounts: AccountService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  private cookieMode(req: FastifyRequest): boolean {
    return wantsCookieSession(req, this.config.PUBLIC_BASE_URL);
  }

  /** The same answer (202) whether or not the address has an account: see AccountService.register. */
  @Post('auth/register')
  @RouteConfig(PUBLIC)
  @HttpCode(202)
  register(@Body() body: unknown) {
    return this.accounts.register(parseBody(RegisterBody, body));
  }

  /**
   * The link in the confirmation email. It shows a button instead of confirming at once, so that mail
   * scanners that open links do not use up the single-use token.
   */
  @Get('auth/confirm')
  @RouteConfig(PUBLIC)
  confirmPage(@Query('token') raw: string | undefined, @Res() reply: FastifyReply) {
    const value = typeof raw === 'string' ? escapeHtml(raw.slice(0, 200)) : '';
    void reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-store')
      .send(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Confirm your email address - genlake</title>` +
          `<meta name="viewport" content="width=device-width,initial-scale=1"></head>` +
          `<body style="font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem">` +
          `<h1>Confirm your email address</h1><p>Press the button to confirm the address of your genlake account.</p>` +
          `<form method="post" action="confirm"><input type="hidden" name="token" value="${value}">` +
          `<button type="submit" style="font-size:1.1rem;padding:.5rem 1rem">Confirm</button></form></body></html>`,
      );
  }

  /** Confirms with the token of the link: JSON `{token}` from the web app or the form of the page above. */
  @Post('auth/confirm')
  @RouteConfig(PUBLIC)
  @HttpCode(200)
  async confirm(@Body() body: unknown, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const account = await this.accounts.confirm(parseBody(ConfirmBody, body).token);
    if (req.headers['content-type']?.startsWith('application/x-www-form-urlencoded')) {
      void reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store');
      return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Email confirmed - genlake</title></head><body style="font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem"><h1>Thank you</h1><p>${escapeHtml(account.email)} is confirmed. You can submit batches now.</p></body></html>`;
    }
    return account;
  }

  /** Sends a new confirmation link. The answer is the same whether or not the address has an account. */
  @Post('auth/confirmation')
  @RouteConfig(PUBLIC)
  @HttpCode(202)
  async resend(@Body() body: unknown) {
    await this.accounts.requestConfirmation(parseBody(ResendBody, body).email);
    return { message: 'if an unconfirmed account has this address, a new confirmation link is on its way' };
  }

  /** With `X-Genlake-Session: cookie` the refresh token is set as a cookie and left out of the body. */
  @Post('auth/login')
  @RouteConfig(PUBLIC)
  @HttpCode(200)
  async login(@Body() body: unknown, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const cookie = this.cookieMode(req);
    const input = parseBody(LoginBody, body);
    const pair = await this.accounts.login(input.email, input.password, req.ip);
    return cookie ? sendCookieSession(reply, pair) : pair;
  }

  /** The cookie form sends no body: the cookie is read, rotated (a new Set-Cookie) and a new access token returned. */
  @Post('auth/refresh')
  @RouteConfig(PUBLIC)
  @HttpCode(200)
  async refresh(@Body() body: unknown, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    if (!this.cookieMode(req)) return this.accounts.refresh(parseBody(RefreshBody, body).refreshToken);
    const pair = await this.accounts.refresh(refreshTokenFromCookie(req)).catch((err: unknown) => {
      clearCookieSession(reply);
      throw err;
    });
    return sendCookieSession(reply, pair);
  }

  @Post('auth/logout')
  @RouteConfig(PUBLIC)
  @HttpCode(204)
  async logout(@Body() body: unknown, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    if (!this.cookieMode(req)) return this.accounts.logout(parseBody(RefreshBody, body).refreshToken);
    const token = req.cookies?.[REFRESH_COOKIE];
    if (looksLikeOpaqueToken(token)) await this.accounts.logout(token);
    clearCookieSession(reply);
  }

  @Post('auth/password')
  @HttpCode(200)
  async changePassword(
    @CurrentUser() user: Principal,
    @Body() body: unknown,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const cookie = this.cookieMode(req);
    const input = parseBody(PasswordBody, body);
    const pair = await this.accounts.changePassword(user, input.currentPassword, input.newPassword, req.ip);
    return cookie ? sendCookieSession(reply, pair) : pair;
  }

  @Get('account')
  account(@CurrentUser() user: Principal) {
    return this.accounts.account(user);
  }

  @Patch('account')
  preferences(@CurrentUser() user: Principal, @Body() body: unknown) {
    return this.accounts.updatePreferences(user, parseBody(PreferencesBody, body));
  }
}
