import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { CloudFlowError, ErrorCode } from '@cloudflow/contracts';

/** Flattens nested class-validator errors into "field: reason" strings with dotted paths. */
export function describeValidationErrors(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((e) => {
    const path = parent ? `${parent}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((m) =>
      m.startsWith('property ')
        ? `${path}: unknown field`
        : `${path}: ${m.replace(new RegExp(`^${e.property} `), '')}`,
    );
    return [...own, ...describeValidationErrors(e.children ?? [], path)];
  });
}

/**
 * A body DTO may carry a static `certainlyValid(plain)`: a hand-written check that answers true
 * only for bodies class-validator accepts unchanged (flat fields, nothing to transform). Such a
 * body skips class-transformer and class-validator, the largest per-request cost of a hot route;
 * anything else ("not sure") gets the full validation, so refusals keep its rules and texts.
 */
export interface FastCheckedBody {
  new (): object;
  certainlyValid(plain: Record<string, unknown>): boolean;
}

function fastChecked(metatype: unknown): metatype is FastCheckedBody {
  return (
    typeof metatype === 'function' &&
    typeof (metatype as Partial<FastCheckedBody>).certainlyValid === 'function'
  );
}

class CloudFlowValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const type = metadata.metatype;
    if (
      metadata.type === 'body' &&
      fastChecked(type) &&
      value &&
      typeof value === 'object' &&
      !Array.isArray(value)
    ) {
      const plain = value as Record<string, unknown>;
      if (type.certainlyValid(plain)) return Object.assign(new type(), plain);
    }
    return super.transform(value, metadata);
  }
}

/** The same validation at every boundary: unknown fields refused, the message names the fields. */
export function createValidationPipe(): ValidationPipe {
  return new CloudFlowValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) =>
      new CloudFlowError(
        ErrorCode.invalidData,
        `Invalid data: ${describeValidationErrors(errors).join('; ')}`,
      ),
  });
}
