module.exports = require('../../tools/jest.preset.js').preset('access', __dirname);
