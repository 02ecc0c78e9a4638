import { Controller, Get } from '@nestjs/common';

/** Seed 000's "make a test API request": answers only when the APP key guard let the call through. */
@Controller('dummyapi')
export class StatusController {
  @Get('status')
  status() {
    return { status: 'OK', message: 'Your APP Key is valid' };
  }
}
