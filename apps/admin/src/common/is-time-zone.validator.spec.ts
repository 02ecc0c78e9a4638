import { validate } from 'class-validator';
import { plainToInstance } from 'class-transformer';
import { CreateAdminUserDto } from '../portal/portal.dto';
import { isTimeZone } from './is-time-zone.validator';

describe('time zone validation', () => {
  it.each(['Europe/Amsterdam', 'America/New_York', 'Asia/Calcutta', 'UTC', 'Asia/Kolkata', 'Europe/Kyiv'])(
    'accepts the IANA name %s',
    (zone) => {
      expect(isTimeZone(zone)).toBe(true);
    },
  );

  it.each([
    'Mars/Olympus',
    'europe/amsterdam',
    'Europe/AMSTERDAM',
    'GMT+2',
    'EST5EDT',
    '',
    'Europe/Amsterdam ',
    42,
    null,
  ])('refuses %p', (zone) => {
    expect(isTimeZone(zone)).toBe(false);
  });

  it('names timeZone when the admin-user body carries a bad one', async () => {
    const dto = plainToInstance(CreateAdminUserDto, {
      username: 'boss',
      password: 'password-1',
      timeZone: 'Nowhere/Land',
    });
    const errors = await validate(dto);
    expect(errors.map((e) => e.property)).toEqual(['timeZone']);
  });

  it('accepts an optional PIN of 4 to 12 digits only', async () => {
    const base = { username: 'boss', password: 'password-1', timeZone: 'UTC' };
    expect(await validate(plainToInstance(CreateAdminUserDto, { ...base, pin: '0042' }))).toEqual([]);
    for (const pin of ['123', '1234567890123', '12a4']) {
      const errors = await validate(plainToInstance(CreateAdminUserDto, { ...base, pin }));
      expect(errors.map((e) => e.property)).toEqual(['pin']);
    }
  });
});
