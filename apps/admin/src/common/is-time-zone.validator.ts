import { registerDecorator, type ValidationOptions } from 'class-validator';

// Intl's canonical IANA names; 'UTC' is not among them on Node 20 but is what most people type.
const TIME_ZONES = new Set<string>([...Intl.supportedValuesOf('timeZone'), 'UTC']);
const AREA_LOCATION = /^[A-Z][A-Za-z_-]*(\/[A-Z][A-Za-z0-9_+-]*)+$/;

/**
 * An IANA name from Intl's list, or a current IANA alias of one: Node 20's ICU lists the older
 * 'Asia/Calcutta' and 'Europe/Kiev', yet people type 'Asia/Kolkata' and 'Europe/Kyiv'. A name
 * that only differs from a listed one in case ('europe/amsterdam') is refused, like any
 * miscased field.
 */
export function isTimeZone(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  if (TIME_ZONES.has(value)) return true;
  if (!AREA_LOCATION.test(value)) return false;
  let canonical: string;
  try {
    canonical = new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    return false;
  }
  return TIME_ZONES.has(canonical) && canonical.toLowerCase() !== value.toLowerCase();
}

export function IsTimeZone(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isTimeZone',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message: '$property must be an IANA time zone name such as Europe/Amsterdam or UTC',
        ...options,
      },
      validator: { validate: isTimeZone },
    });
}
