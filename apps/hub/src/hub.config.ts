import { BaseConfig } from '@cloudflow/platform';
import { IsInt, Max, Min } from 'class-validator';

export class HubConfig extends BaseConfig {
  @IsInt() @Min(1) @Max(65535) PORT = 8090;
}
