import { ValidationError, ValidationPipe } from '@nestjs/common';
import { CloudFlowError, ErrorCode } from '@cloudflow/contracts';

/** Flattens nested class-validator errors into "field: reason" strings with dotted paths. */
export function describeValidationErrors(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((e) => {
    const path = parent ? `${parent}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((m) =>
      m.startsWith('property ') ? `${path}: unknown field` : `${path}: ${m.replace(new RegExp(`^${e.property} `), '')}`,
    );
    return [...own, ...describeValidationErrors(e.children ?? [], path)];
  });
}

/** The same validation at every boundary: unknown fields refused, the message names the fields. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) =>
      new CloudFlowError(ErrorCode.invalidData, `Invalid data: ${describeValidationErrors(errors).join('; ')}`),
  });
}
